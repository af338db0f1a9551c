//! A real `redis-server` for tests: started on a free port in its own temporary directory, stopped when
//! dropped, and killable and restartable on the same port and data (to test what survives Redis dying).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    aof: bool,
}

/// The `redis-server` binary: `$REDIS_SERVER`, else the one on the PATH.
fn binary() -> PathBuf {
    std::env::var_os("REDIS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

impl RedisServer {
    /// Starts a server; with `aof`, every write is fsynced to an append-only file before it is acknowledged
    /// (`appendfsync always`), so a killed server loses nothing it acknowledged.
    pub fn start(aof: bool) -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut s = RedisServer {
            port,
            dir: tempfile::tempdir().expect("tempdir"),
            child: None,
            aof,
        };
        s.spawn();
        s
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(binary());
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--save")
            .arg("")
            .arg("--daemonize")
            .arg("no")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.aof {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); install redis-server (apt-get install redis-server) or set REDIS_SERVER",
                binary().display()
            )
        });
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        let client = redis::Client::open(self.url()).expect("redis url");
        loop {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not answer on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server with SIGKILL (no shutdown, no final save).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// A synchronous connection, for tests that inspect the keys.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("redis connection")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Every key and every value in Redis that mentions `needle` (to prove an erasure left nothing), apart from
/// the audit trail (`<prefix>:audit:<jobcenter>`): that is the record of who processed the reference, kept
/// append-only on purpose (the README's privacy section says why) and checked on its own.
pub fn traces(redis: &RedisServer, needle: &str) -> Vec<String> {
    let mut c = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query(&mut c)
        .unwrap_or_default();
    let mut found = Vec::new();
    for k in keys {
        if k.split(':').nth(1) == Some("audit") {
            continue;
        }
        if k.contains(needle) {
            found.push(k.clone());
            continue;
        }
        let t: String = redis::cmd("TYPE").arg(&k).query(&mut c).unwrap_or_default();
        let dump: Vec<String> = match t.as_str() {
            "string" => vec![redis::cmd("GET").arg(&k).query(&mut c).unwrap_or_default()],
            "set" => redis::cmd("SMEMBERS")
                .arg(&k)
                .query(&mut c)
                .unwrap_or_default(),
            "hash" => redis::cmd("HGETALL")
                .arg(&k)
                .query(&mut c)
                .unwrap_or_default(),
            "list" => redis::cmd("LRANGE")
                .arg(&k)
                .arg(0)
                .arg(-1)
                .query::<Vec<Vec<u8>>>(&mut c)
                .unwrap_or_default()
                .into_iter()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect(),
            "stream" => {
                let v: redis::Value = redis::cmd("XRANGE")
                    .arg(&k)
                    .arg("-")
                    .arg("+")
                    .query(&mut c)
                    .unwrap_or(redis::Value::Nil);
                vec![format!("{v:?}")]
            }
            other => vec![format!("unexpected type {other}")],
        };
        if dump.iter().any(|v| v.contains(needle)) {
            found.push(format!("{k} ({t})"));
        }
    }
    found
}
