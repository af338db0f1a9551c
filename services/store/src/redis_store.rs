//! The Redis backend. Key layout (prefix `jobmatch` by default):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{p}:citizen:{ref}` | string | the profile (JSON) |
//! | `{p}:citizens:all`, `{p}:citizens:{jobcenter}` | set | registered references |
//! | `{p}:matches:{ref}` | string | the latest stored matches with their diff (JSON), replaced whole |
//! | `{p}:outcomes:{ref}` | hash | placement id → outcome (JSON) |
//! | `{p}:outcome-marks:{ref}` | hash | placement id → "cvr\|paid" (what the outcome adds to the company record) |
//! | `{p}:evidence:placements`, `{p}:evidence:paid` | hash | cvr → counts |
//! | `{p}:rematch:lock` | string with expiry | the run in progress |
//! | `{p}:run:{id}` | hash | run status counters |
//! | `{p}:run:{id}:work` | stream, group `workers` | one entry per citizen to rematch |
//! | `{p}:run:{id}:done` | set | citizens already stored in the run |
//!
//! Multi-key changes run as server-side scripts, so each is atomic: a reader sees a citizen's old result or
//! its new one, and a count never disagrees with what was stored.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use jobmatch_proto::v1::CitizenProfile;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use crate::model::*;
use crate::{Result, RunSpec, Store, StoreError, new_run_id, now_rfc3339};

/// Finished runs are kept this long for their status and diffs' context, then expire.
const RUN_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
const GROUP: &str = "workers";

#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
}

/// Connection settings that make a dead Redis fail a call in about a second instead of hanging it.
pub fn connection_config() -> redis::aio::ConnectionManagerConfig {
    redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500))
}

impl RedisStore {
    /// Connects lazily: the service starts (and reads from its local index) while Redis is down.
    pub fn connect(url: &str, prefix: &str) -> Result<RedisStore> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), connection_config())?;
        Ok(RedisStore {
            client,
            conn,
            prefix: prefix.to_string(),
        })
    }

    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// A connection of its own, for commands that block (`XREAD BLOCK`, `WAIT`): on the shared connection
    /// they would hold up every other command queued behind them.
    pub fn dedicated_connection(&self, response_timeout: Duration) -> Result<ConnectionManager> {
        let config = connection_config().set_response_timeout(Some(response_timeout));
        Ok(ConnectionManager::new_lazy_with_config(
            self.client.clone(),
            config,
        )?)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, parts: &[&str]) -> String {
        let mut k = self.prefix.clone();
        for p in parts {
            k.push(':');
            k.push_str(p);
        }
        k
    }

    async fn run_hash(&self, run_id: &str) -> Result<Option<RunStatus>> {
        let mut c = self.conn.clone();
        let h: HashMap<String, String> = c.hgetall(self.key(&["run", run_id])).await?;
        if h.is_empty() {
            return Ok(None);
        }
        let num = |k: &str| h.get(k).and_then(|v| v.parse().ok()).unwrap_or(0u64);
        Ok(Some(RunStatus {
            run_id: run_id.to_string(),
            jobcenter: h.get("jobcenter").filter(|j| !j.is_empty()).cloned(),
            state: h.get("state").cloned().unwrap_or_default(),
            total: num("total"),
            done: num("done"),
            failed: num("failed"),
            new_candidates: num("new_candidates"),
            started_at: h.get("started_at").cloned().unwrap_or_default(),
            finished_at: h.get("finished_at").filter(|f| !f.is_empty()).cloned(),
        }))
    }
}

fn items_from(ids: Vec<redis::streams::StreamId>) -> Vec<WorkItem> {
    ids.into_iter()
        .filter_map(|e| {
            let r: Option<String> = e
                .map
                .get("ref")
                .and_then(|v| redis::from_redis_value_ref(v).ok());
            r.map(|citizen_ref| WorkItem {
                id: e.id,
                citizen_ref,
            })
        })
        .collect()
}

#[async_trait]
impl Store for RedisStore {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<()> {
        let mut c = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut c).await?;
        Ok(())
    }

    async fn upsert_citizen(&self, citizen: &CitizenProfile) -> Result<bool> {
        let mut c = self.conn.clone();
        let key = self.key(&["citizen", &citizen.citizen_ref]);
        let old: Option<String> = c.get(&key).await?;
        let old_jobcenter = match &old {
            Some(json) => Some(serde_json::from_str::<CitizenProfile>(json)?.municipality_code),
            None => None,
        };
        let mut pipe = redis::pipe();
        pipe.atomic()
            .set(&key, serde_json::to_string(citizen)?)
            .sadd(self.key(&["citizens", "all"]), &citizen.citizen_ref)
            .sadd(
                self.key(&["citizens", &citizen.municipality_code]),
                &citizen.citizen_ref,
            );
        if let Some(j) = old_jobcenter.filter(|j| *j != citizen.municipality_code) {
            pipe.srem(self.key(&["citizens", &j]), &citizen.citizen_ref);
        }
        let () = pipe.query_async(&mut c).await?;
        Ok(old.is_none())
    }

    async fn get_citizen(&self, citizen_ref: &str) -> Result<Option<CitizenProfile>> {
        let mut c = self.conn.clone();
        let json: Option<String> = c.get(self.key(&["citizen", citizen_ref])).await?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    async fn citizen_refs(&self, jobcenter: Option<&str>) -> Result<Vec<String>> {
        let mut c = self.conn.clone();
        let mut refs: Vec<String> = c
            .smembers(self.key(&["citizens", jobcenter.unwrap_or("all")]))
            .await?;
        refs.sort();
        Ok(refs)
    }

    async fn citizens_of(&self, jobcenter: &str) -> Result<Vec<CitizenProfile>> {
        let mut c = self.conn.clone();
        let refs = self.citizen_refs(Some(jobcenter)).await?;
        let mut out = Vec::with_capacity(refs.len());
        for chunk in refs.chunks(500) {
            let keys: Vec<String> = chunk.iter().map(|r| self.key(&["citizen", r])).collect();
            let values: Vec<Option<String>> =
                redis::cmd("MGET").arg(&keys).query_async(&mut c).await?;
            for v in values.into_iter().flatten() {
                out.push(serde_json::from_str(&v)?);
            }
        }
        Ok(out)
    }

    async fn erase_citizen(&self, citizen_ref: &str) -> Result<Erased> {
        let mut c = self.conn.clone();
        let citizen = self.get_citizen(citizen_ref).await?;
        let had_matches: bool = c.exists(self.key(&["matches", citizen_ref])).await?;
        // Runs that may list the citizen: the one in progress and finished ones still kept.
        let mut run_keys: Vec<String> = Vec::new();
        let mut iter: redis::AsyncIter<String> =
            c.scan_match(self.key(&["run", "*", "work"])).await?;
        while let Some(k) = iter.next_item().await {
            run_keys.push(k?);
        }
        drop(iter);
        let script = Script::new(ERASE);
        let jobcenter = citizen
            .as_ref()
            .map(|c| c.municipality_code.clone())
            .unwrap_or_default();
        let outcomes: u32 = script
            .key(self.key(&["citizen", citizen_ref]))
            .key(self.key(&["matches", citizen_ref]))
            .key(self.key(&["outcomes", citizen_ref]))
            .key(self.key(&["outcome-marks", citizen_ref]))
            .key(self.key(&["evidence", "placements"]))
            .key(self.key(&["evidence", "paid"]))
            .key(self.key(&["citizens", "all"]))
            .key(self.key(&["citizens", &jobcenter]))
            .arg(citizen_ref)
            .invoke_async(&mut c)
            .await?;
        // The citizen's place in the queues of runs; after the profile is gone, so that a worker completing
        // the citizen now only acknowledges.
        for work in &run_keys {
            let entries: redis::streams::StreamRangeReply = c.xrange_all(work).await?;
            let ids: Vec<String> = items_from(entries.ids)
                .into_iter()
                .filter(|i| i.citizen_ref == citizen_ref)
                .map(|i| i.id)
                .collect();
            let run = work.trim_end_matches(":work").to_string();
            let _: i64 = Script::new(LEAVE_RUN)
                .key(work)
                .key(format!("{run}:done"))
                .key(&run)
                .arg(citizen_ref)
                .arg(GROUP)
                .arg(&ids)
                .invoke_async(&mut c)
                .await?;
        }
        Ok(Erased {
            profile: citizen.is_some(),
            matches: had_matches,
            outcomes,
        })
    }

    async fn latest_matches(&self, citizen_ref: &str) -> Result<Option<StoredMatches>> {
        let mut c = self.conn.clone();
        let json: Option<String> = c.get(self.key(&["matches", citizen_ref])).await?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    async fn start_run(&self, spec: &RunSpec) -> Result<RunStatus> {
        let mut c = self.conn.clone();
        let run_id = new_run_id();
        let lock = self.key(&["rematch", "lock"]);
        let acquired: Option<String> = redis::cmd("SET")
            .arg(&lock)
            .arg(&run_id)
            .arg("NX")
            .arg("PX")
            .arg(spec.lock_ttl.as_millis() as u64)
            .query_async(&mut c)
            .await?;
        if acquired.is_none() {
            let holder: Option<String> = c.get(&lock).await?;
            return Err(StoreError::RunInProgress(holder.unwrap_or_default()));
        }
        let refs = self.citizen_refs(spec.jobcenter.as_deref()).await?;
        let hash = self.key(&["run", &run_id]);
        let work = self.key(&["run", &run_id, "work"]);
        let started_at = now_rfc3339();
        let () = redis::pipe()
            .hset_multiple(
                &hash,
                &[
                    ("state", "starting"),
                    ("jobcenter", spec.jobcenter.as_deref().unwrap_or("")),
                    ("started_at", &started_at),
                ],
            )
            .query_async(&mut c)
            .await?;
        let _: () = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&work)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut c)
            .await?;
        for chunk in refs.chunks(1_000) {
            let mut pipe = redis::pipe();
            for r in chunk {
                pipe.xadd(&work, "*", &[("ref", r)]).ignore();
            }
            let () = pipe.query_async(&mut c).await?;
        }
        let () = redis::pipe()
            .hset_multiple(
                &hash,
                &[
                    ("state", "running".to_string()),
                    ("total", refs.len().to_string()),
                    ("done", "0".into()),
                    ("failed", "0".into()),
                    ("new_candidates", "0".into()),
                ],
            )
            .query_async(&mut c)
            .await?;
        self.heartbeat_run(&run_id, spec.lock_ttl).await
    }

    async fn current_run(&self) -> Result<Option<RunStatus>> {
        let mut c = self.conn.clone();
        let id: Option<String> = c.get(self.key(&["rematch", "lock"])).await?;
        match id {
            Some(id) => self.run_hash(&id).await,
            None => Ok(None),
        }
    }

    async fn run_status(&self, run_id: &str) -> Result<Option<RunStatus>> {
        self.run_hash(run_id).await
    }

    async fn claim_work(
        &self,
        run_id: &str,
        worker: &str,
        max: usize,
        reclaim_after: Duration,
    ) -> Result<Vec<WorkItem>> {
        let mut c = self.conn.clone();
        let work = self.key(&["run", run_id, "work"]);
        let opts = redis::streams::StreamAutoClaimOptions::default().count(max);
        let claimed: redis::streams::StreamAutoClaimReply = c
            .xautoclaim_options(
                &work,
                GROUP,
                worker,
                reclaim_after.as_millis() as u64,
                "0-0",
                opts,
            )
            .await?;
        let mut items = items_from(claimed.claimed);
        for start in ["0", ">"] {
            if items.len() >= max {
                break;
            }
            let opts = redis::streams::StreamReadOptions::default()
                .group(GROUP, worker)
                .count(max - items.len());
            let reply: Option<redis::streams::StreamReadReply> =
                c.xread_options(&[&work], &[start], &opts).await?;
            for key in reply.map(|r| r.keys).unwrap_or_default() {
                for item in items_from(key.ids) {
                    if !items.iter().any(|i| i.id == item.id) {
                        items.push(item);
                    }
                }
            }
        }
        Ok(items)
    }

    async fn complete_work(
        &self,
        run_id: &str,
        item: &WorkItem,
        result: &StoredMatches,
    ) -> Result<bool> {
        let mut c = self.conn.clone();
        let stored: i64 = Script::new(COMPLETE)
            .key(self.key(&["run", run_id, "done"]))
            .key(self.key(&["matches", &item.citizen_ref]))
            .key(self.key(&["run", run_id]))
            .key(self.key(&["run", run_id, "work"]))
            .key(self.key(&["citizen", &item.citizen_ref]))
            .arg(&item.citizen_ref)
            .arg(serde_json::to_string(result)?)
            .arg(result.diff.new_need_ids.len())
            .arg(GROUP)
            .arg(&item.id)
            .invoke_async(&mut c)
            .await?;
        Ok(stored == 1)
    }

    async fn fail_work(&self, run_id: &str, item: &WorkItem) -> Result<()> {
        let mut c = self.conn.clone();
        let _: i64 = Script::new(FAIL)
            .key(self.key(&["run", run_id, "done"]))
            .key(self.key(&["run", run_id]))
            .key(self.key(&["run", run_id, "work"]))
            .arg(&item.citizen_ref)
            .arg(GROUP)
            .arg(&item.id)
            .invoke_async(&mut c)
            .await?;
        Ok(())
    }

    async fn heartbeat_run(&self, run_id: &str, lock_ttl: Duration) -> Result<RunStatus> {
        let mut c = self.conn.clone();
        let _: i64 = Script::new(HEARTBEAT)
            .key(self.key(&["rematch", "lock"]))
            .key(self.key(&["run", run_id]))
            .key(self.key(&["run", run_id, "work"]))
            .key(self.key(&["run", run_id, "done"]))
            .arg(run_id)
            .arg(lock_ttl.as_millis() as u64)
            .arg(now_rfc3339())
            .arg(RUN_RETENTION.as_millis() as u64)
            .invoke_async(&mut c)
            .await?;
        self.run_hash(run_id)
            .await?
            .ok_or_else(|| StoreError::NoSuchRun(run_id.to_string()))
    }

    async fn record_outcome(&self, o: &PlacementOutcome) -> Result<()> {
        let mut c = self.conn.clone();
        let _: i64 = Script::new(RECORD_OUTCOME)
            .key(self.key(&["outcomes", &o.citizen_ref]))
            .key(self.key(&["outcome-marks", &o.citizen_ref]))
            .key(self.key(&["evidence", "placements"]))
            .key(self.key(&["evidence", "paid"]))
            .arg(&o.placement_id)
            .arg(serde_json::to_string(o)?)
            .arg(&o.cvr)
            .arg(u8::from(o.gave_paid_hours()))
            .invoke_async(&mut c)
            .await?;
        Ok(())
    }

    async fn outcomes_of(&self, citizen_ref: &str) -> Result<Vec<PlacementOutcome>> {
        let mut c = self.conn.clone();
        let all: HashMap<String, String> = c.hgetall(self.key(&["outcomes", citizen_ref])).await?;
        let mut out: Vec<PlacementOutcome> = all
            .values()
            .map(|j| serde_json::from_str(j))
            .collect::<std::result::Result<_, _>>()?;
        out.sort_by(|a, b| (&a.started, &a.placement_id).cmp(&(&b.started, &b.placement_id)));
        Ok(out)
    }

    async fn company_evidence(&self) -> Result<HashMap<String, CompanyEvidence>> {
        let mut c = self.conn.clone();
        let placements: HashMap<String, u32> =
            c.hgetall(self.key(&["evidence", "placements"])).await?;
        let paid: HashMap<String, u32> = c.hgetall(self.key(&["evidence", "paid"])).await?;
        Ok(placements
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(cvr, n)| {
                let with_paid_hours = paid.get(&cvr).copied().unwrap_or(0);
                (
                    cvr,
                    CompanyEvidence {
                        placements: n,
                        with_paid_hours,
                    },
                )
            })
            .collect())
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for entry in entries {
            pipe.xadd(
                self.key(&["audit", &entry.jobcenter]),
                "*",
                &[("entry", serde_json::to_string(entry)?)],
            )
            .ignore();
        }
        let mut c = self.conn.clone();
        let () = pipe.query_async(&mut c).await?;
        Ok(())
    }

    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        use redis::streams::StreamRangeReply;
        let mut c = self.conn.clone();
        let key = self.key(&["audit", &query.jobcenter]);
        let mut start = format!("{}-0", query.from_ms);
        let end = format!("{}", query.to_ms.saturating_sub(1));
        let mut out = Vec::new();
        // Paged, so a citizen filter over a long period never pulls the whole trail at once.
        loop {
            let page: StreamRangeReply = c.xrange_count(&key, &start, &end, 1000).await?;
            let Some(last) = page.ids.last().map(|e| e.id.clone()) else {
                break;
            };
            for item in &page.ids {
                let Some(json) = item.get::<String>("entry") else {
                    continue;
                };
                let entry: AuditEntry = serde_json::from_str(&json)?;
                if query
                    .citizen_ref
                    .as_ref()
                    .is_none_or(|r| *r == entry.citizen_ref)
                {
                    out.push(entry);
                    if out.len() >= query.limit {
                        return Ok(out);
                    }
                }
            }
            if page.ids.len() < 1000 {
                break;
            }
            start = format!("({last}");
        }
        Ok(out)
    }
}

/// Stores a result once per citizen and run, counts it and acknowledges the queue entry, atomically. A
/// citizen erased meanwhile is only acknowledged (and counted as failed): its result must not reappear.
const COMPLETE: &str = r#"
if redis.call('EXISTS', KEYS[5]) == 0 then
  -- Erased meanwhile: counted once, by whichever of this script and the erasure deletes the entry; the
  -- reference itself is kept nowhere.
  redis.call('XACK', KEYS[4], ARGV[4], ARGV[5])
  if redis.call('XDEL', KEYS[4], ARGV[5]) == 1 then
    redis.call('HINCRBY', KEYS[3], 'failed', 1)
  end
  return 0
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('HINCRBY', KEYS[3], 'done', 1)
  redis.call('HINCRBY', KEYS[3], 'new_candidates', ARGV[3])
  redis.call('XACK', KEYS[4], ARGV[4], ARGV[5])
  return 1
end
redis.call('XACK', KEYS[4], ARGV[4], ARGV[5])
return 0
"#;

const FAIL: &str = r#"
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'failed', 1)
end
redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
return 1
"#;

/// Renews the lock held by this run; when everything is done, marks the run completed, releases the lock and
/// lets the run's keys expire after the retention time.
const HEARTBEAT: &str = r#"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('HGET', KEYS[2], 'state') ~= 'running' then
  return 0
end
local total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
local done = tonumber(redis.call('HGET', KEYS[2], 'done') or '0')
local failed = tonumber(redis.call('HGET', KEYS[2], 'failed') or '0')
if done + failed >= total then
  redis.call('HSET', KEYS[2], 'state', 'completed', 'finished_at', ARGV[3])
  if holder == ARGV[1] then
    redis.call('DEL', KEYS[1])
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
  return 1
end
if holder ~= ARGV[1] then
  -- The lock expired or went to another run: nobody renews this one any more.
  redis.call('HSET', KEYS[2], 'state', 'abandoned', 'finished_at', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
end
return 0
"#;

/// Replaces a placement and moves the company records with it.
const RECORD_OUTCOME: &str = r#"
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then
  local sep = string.find(old, '|', 1, true)
  local cvr = string.sub(old, 1, sep - 1)
  redis.call('HINCRBY', KEYS[3], cvr, -1)
  if string.sub(old, sep + 1) == '1' then
    redis.call('HINCRBY', KEYS[4], cvr, -1)
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|' .. ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
if ARGV[4] == '1' then
  redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
end
return 1
"#;

/// Takes an erased citizen out of a run: its queue entries go, and a run still running no longer counts it
/// (unless it was already done). ARGV: ref, group, entry ids.
const LEAVE_RUN: &str = r#"
local removed = 0
for i = 3, #ARGV do
  pcall(redis.call, 'XACK', KEYS[1], ARGV[2], ARGV[i])
  removed = removed + redis.call('XDEL', KEYS[1], ARGV[i])
end
local was_done = redis.call('SREM', KEYS[2], ARGV[1])
if removed > 0 and was_done == 0 and redis.call('HGET', KEYS[3], 'state') == 'running' then
  redis.call('HINCRBY', KEYS[3], 'total', -removed)
end
return removed
"#;

/// Removes a citizen's profile, matches and outcomes, taking the outcomes' share out of the company records.
const ERASE: &str = r#"
local marks = redis.call('HGETALL', KEYS[4])
local n = 0
for i = 1, #marks, 2 do
  local m = marks[i + 1]
  local sep = string.find(m, '|', 1, true)
  local cvr = string.sub(m, 1, sep - 1)
  redis.call('HINCRBY', KEYS[5], cvr, -1)
  if string.sub(m, sep + 1) == '1' then
    redis.call('HINCRBY', KEYS[6], cvr, -1)
  end
  n = n + 1
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('SREM', KEYS[7], ARGV[1])
redis.call('SREM', KEYS[8], ARGV[1])
return n
"#;
