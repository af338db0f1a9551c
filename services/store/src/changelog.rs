//! The durable change log replicas follow: a Redis stream (`{p}:changes`) of company and need writes.
//!
//! A write of one or a few changes is one entry. A large write (a bulk stream) is several `chunk` entries of
//! one transaction followed by a `commit` entry naming the first chunk; a follower reads the chunks back only
//! when it meets the commit, so a writer that dies half-way leaves chunks that no replica ever applies. The
//! payloads are opaque bytes here (the server encodes the changes).
//!
//! Snapshots (`{p}:snapshot:*`) hold every current record as of a stream position, so the stream can be
//! trimmed behind them and a new replica starts from the snapshot and the stream's tail.

use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use crate::{RedisStore, Result, StoreError};

/// One entry of the change log, as a follower reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum LogRecord {
    /// A complete transaction in one entry.
    Single { id: String, payload: Vec<u8> },
    /// Part of a transaction; applied when its commit comes.
    Chunk { id: String, txn: String },
    /// The end of a transaction whose chunks start at `first`.
    Commit {
        id: String,
        txn: String,
        first: String,
        chunks: u64,
    },
}

impl LogRecord {
    pub fn id(&self) -> &str {
        match self {
            LogRecord::Single { id, .. }
            | LogRecord::Chunk { id, .. }
            | LogRecord::Commit { id, .. } => id,
        }
    }
}

#[derive(Clone)]
pub struct RedisChangeLog {
    /// Appends (and their `WAIT`), and short reads.
    conn: ConnectionManager,
    /// The follower's blocking reads.
    blocking: ConnectionManager,
    stream: String,
    prefix: String,
    /// Replicas `WAIT` waits for after each append (0: none).
    wait_replicas: u32,
}

/// Compares stream ids ("ms-seq").
pub fn id_after(a: &str, b: &str) -> bool {
    parse_id(a) > parse_id(b)
}

fn parse_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

fn field<T: redis::FromRedisValue>(e: &redis::streams::StreamId, name: &str) -> Option<T> {
    e.map
        .get(name)
        .and_then(|v| redis::from_redis_value_ref(v).ok())
}

fn record(e: redis::streams::StreamId) -> Option<LogRecord> {
    let kind: String = field(&e, "kind")?;
    let txn: String = field(&e, "txn").unwrap_or_default();
    Some(match kind.as_str() {
        "single" => LogRecord::Single {
            payload: field(&e, "payload")?,
            id: e.id,
        },
        "chunk" => LogRecord::Chunk { id: e.id, txn },
        "commit" => LogRecord::Commit {
            first: field(&e, "first")?,
            chunks: field(&e, "chunks")?,
            id: e.id,
            txn,
        },
        _ => return None,
    })
}

impl RedisChangeLog {
    pub fn new(store: &RedisStore, wait_replicas: u32) -> Result<RedisChangeLog> {
        Ok(RedisChangeLog {
            conn: store.dedicated_connection(Duration::from_secs(5))?,
            blocking: store.dedicated_connection(Duration::from_secs(10))?,
            stream: format!("{}:changes", store.prefix()),
            prefix: store.prefix().to_string(),
            wait_replicas,
        })
    }

    /// Appends one transaction; returns the id a follower has applied it at once it has applied that id.
    pub async fn append(&self, payloads: Vec<Vec<u8>>) -> Result<String> {
        let mut c = self.conn.clone();
        let txn = uuid::Uuid::new_v4().simple().to_string();
        let id: String = if payloads.len() == 1 {
            c.xadd(
                &self.stream,
                "*",
                &[
                    ("kind", b"single".as_slice()),
                    ("txn", txn.as_bytes()),
                    ("payload", payloads[0].as_slice()),
                ],
            )
            .await?
        } else {
            let mut first = String::new();
            for (i, p) in payloads.iter().enumerate() {
                let id: String = c
                    .xadd(
                        &self.stream,
                        "*",
                        &[
                            ("kind", b"chunk".as_slice()),
                            ("txn", txn.as_bytes()),
                            ("seq", i.to_string().as_bytes()),
                            ("payload", p.as_slice()),
                        ],
                    )
                    .await?;
                if i == 0 {
                    first = id;
                }
            }
            c.xadd(
                &self.stream,
                "*",
                &[
                    ("kind", "commit"),
                    ("txn", &txn),
                    ("first", &first),
                    ("chunks", &payloads.len().to_string()),
                ],
            )
            .await?
        };
        if self.wait_replicas > 0 {
            // With Redis replicas, an acknowledged write is on this many of them too.
            let acked: u32 = redis::cmd("WAIT")
                .arg(self.wait_replicas)
                .arg(1000)
                .query_async(&mut c)
                .await?;
            if acked < self.wait_replicas {
                return Err(StoreError::Unavailable(format!(
                    "the write reached {acked} of {} Redis replicas",
                    self.wait_replicas
                )));
            }
        }
        Ok(id)
    }

    /// Entries after `after` ("0" for the start), waiting up to `block` for the first one.
    pub async fn read_after(
        &self,
        after: &str,
        count: usize,
        block: Option<Duration>,
    ) -> Result<Vec<LogRecord>> {
        let mut c = if block.is_some() {
            self.blocking.clone()
        } else {
            self.conn.clone()
        };
        let mut opts = redis::streams::StreamReadOptions::default().count(count);
        if let Some(b) = block {
            opts = opts.block(b.as_millis() as usize);
        }
        let reply: Option<redis::streams::StreamReadReply> =
            c.xread_options(&[&self.stream], &[after], &opts).await?;
        Ok(reply
            .map(|r| r.keys)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|k| k.ids)
            .filter_map(record)
            .collect())
    }

    /// The payloads of a transaction's chunks, in order.
    pub async fn read_chunks(&self, txn: &str, first: &str, commit: &str) -> Result<Vec<Vec<u8>>> {
        let mut c = self.conn.clone();
        let mut out: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut start = first.to_string();
        loop {
            let reply: redis::streams::StreamRangeReply =
                c.xrange_count(&self.stream, &start, commit, 1_000).await?;
            let n = reply.ids.len();
            let last = reply.ids.last().map(|e| e.id.clone());
            for e in reply.ids {
                let t: Option<String> = field(&e, "txn");
                let kind: Option<String> = field(&e, "kind");
                if t.as_deref() == Some(txn) && kind.as_deref() == Some("chunk") {
                    let seq: u64 = field::<String>(&e, "seq")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    out.push((seq, field(&e, "payload").unwrap_or_default()));
                }
            }
            match last {
                Some(l) if n == 1_000 && l != commit => start = format!("({l}"),
                _ => break,
            }
        }
        out.sort_by_key(|(s, _)| *s);
        Ok(out.into_iter().map(|(_, p)| p).collect())
    }

    /// The id of the oldest entry still in the stream, if any.
    pub async fn first_id(&self) -> Result<Option<String>> {
        let mut c = self.conn.clone();
        let reply: redis::streams::StreamRangeReply =
            c.xrange_count(&self.stream, "-", "+", 1).await?;
        Ok(reply.ids.first().map(|e| e.id.clone()))
    }

    /// The id of the newest entry, if any.
    pub async fn last_id(&self) -> Result<Option<String>> {
        let mut c = self.conn.clone();
        let reply: redis::streams::StreamRangeReply =
            c.xrevrange_count(&self.stream, "+", "-", 1).await?;
        Ok(reply.ids.first().map(|e| e.id.clone()))
    }

    /// True for exactly one caller ever (a key set if absent, without expiry).
    pub async fn claim_once(&self, key: &str) -> Result<bool> {
        let mut c = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg("1")
            .arg("NX")
            .query_async(&mut c)
            .await?;
        Ok(set.is_some())
    }

    /// True for one caller within `ttl` (a key set if absent, expiring).
    pub async fn claim_for(&self, key: &str, ttl: Duration) -> Result<bool> {
        let mut c = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg("1")
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async(&mut c)
            .await?;
        Ok(set.is_some())
    }

    pub async fn len(&self) -> Result<u64> {
        let mut c = self.conn.clone();
        Ok(c.xlen(&self.stream).await?)
    }

    /// Stores a snapshot of every record as of stream position `at` (chunks of encoded records), makes it the
    /// latest, deletes the previous one and trims the stream to what is younger than `keep` before `at`.
    ///
    /// A new replica loads the snapshot and then replays the whole remaining stream: entries from before `at`
    /// are replayed on top of a state that already holds them, which is harmless because every change is an
    /// idempotent write by key applied in log order. The margin keeps the chunks of any transaction whose
    /// commit comes after `at` (a transaction's entries are appended within seconds).
    pub async fn write_snapshot(
        &self,
        at: &str,
        chunks: Vec<Vec<u8>>,
        keep: Duration,
    ) -> Result<()> {
        let mut c = self.conn.clone();
        let key = format!("{}:snapshot:{at}", self.prefix);
        let latest = format!("{}:snapshot:latest", self.prefix);
        let _: () = c.del(&key).await?;
        for chunk in &chunks {
            let _: () = c.rpush(&key, chunk.as_slice()).await?;
        }
        let previous: Option<String> = c.get(&latest).await?;
        let _: () = c.set(&latest, at).await?;
        if let Some(p) = previous.filter(|p| p != at) {
            let _: () = c.del(format!("{}:snapshot:{p}", self.prefix)).await?;
        }
        let (at_ms, _) = parse_id(at);
        let min_id = format!("{}-0", at_ms.saturating_sub(keep.as_millis() as u64));
        let _: i64 = redis::cmd("XTRIM")
            .arg(&self.stream)
            .arg("MINID")
            .arg(min_id)
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    /// The latest snapshot: its stream position and chunks.
    pub async fn read_snapshot(&self) -> Result<Option<(String, Vec<Vec<u8>>)>> {
        let mut c = self.conn.clone();
        let latest: Option<String> = c.get(format!("{}:snapshot:latest", self.prefix)).await?;
        let Some(at) = latest else { return Ok(None) };
        let chunks: Vec<Vec<u8>> = c
            .lrange(format!("{}:snapshot:{at}", self.prefix), 0, -1)
            .await?;
        Ok(Some((at, chunks)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_order_numerically() {
        assert!(id_after("1700000000001-0", "1700000000000-5"));
        assert!(id_after("10-1", "9-9"));
        assert!(!id_after("5-0", "5-0"));
        assert!(id_after("5-10", "5-9"));
        assert!(id_after("1-0", "0"));
    }
}
