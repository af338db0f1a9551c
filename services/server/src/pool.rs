//! Threads for Tantivy, matching and write work, so CPU-heavy requests never block tokio's workers.
//!
//! Three promises, each kept here rather than by every caller:
//! - **A panic never outlives its request.** Every job runs under `catch_unwind`: the request gets `INTERNAL`
//!   with its request id, the thread goes on with the next job, and the panic is counted.
//! - **Bounded queue.** At most `queue` jobs wait; one more is refused at once with `RESOURCE_EXHAUSTED`
//!   instead of piling up behind the others.
//! - **Deadlines.** A job whose request has expired or gone away before a thread picks it up is not run, and
//!   running work sees the same [`Deadline`] to stop between its steps.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use jobmatch_indexer::Deadline;

use crate::error::ServiceError;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Counters of a pool, read by the health check (and exported as metrics).
#[derive(Debug, Default)]
pub struct PoolStats {
    pub threads: usize,
    pub alive: AtomicUsize,
    /// Jobs sent and not yet taken by a thread (counted after the send, so for a moment it can dip below 0).
    queued: AtomicI64,
    pub running: AtomicUsize,
    pub completed: AtomicU64,
    pub panics: AtomicU64,
    pub refused: AtomicU64,
    pub expired: AtomicU64,
    /// Milliseconds since `started` when a job last finished.
    last_done_ms: AtomicU64,
    started: Option<Instant>,
}

impl PoolStats {
    /// Jobs waiting for a thread.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed).max(0) as usize
    }

    /// A pool is stuck when work waits but no job has finished for `stall`.
    pub fn stalled(&self, stall: Duration) -> bool {
        let Some(started) = self.started else {
            return false;
        };
        let busy = self.queued() > 0;
        let since = started.elapsed().as_millis() as u64
            - self
                .last_done_ms
                .load(Ordering::Relaxed)
                .min(started.elapsed().as_millis() as u64);
        busy && since > stall.as_millis() as u64
    }

    pub fn healthy(&self, stall: Duration) -> bool {
        self.alive.load(Ordering::Relaxed) == self.threads && !self.stalled(stall)
    }
}

pub struct WorkPool {
    name: &'static str,
    tx: Sender<Job>,
    stats: Arc<PoolStats>,
}

impl WorkPool {
    /// A pool of `threads` threads with room for `queue` waiting jobs.
    pub fn new(name: &'static str, threads: usize, queue: usize) -> WorkPool {
        let threads = threads.max(1);
        let (tx, rx) = crossbeam_channel::bounded::<Job>(queue.max(1));
        let stats = Arc::new(PoolStats {
            threads,
            started: Some(Instant::now()),
            ..Default::default()
        });
        for i in 0..threads {
            let rx: Receiver<Job> = rx.clone();
            let stats = Arc::clone(&stats);
            // Counted before the thread runs, so a health check right after start does not see it missing.
            stats.alive.fetch_add(1, Ordering::Relaxed);
            let counted = Arc::clone(&stats);
            let spawned = std::thread::Builder::new()
                .name(format!("jobmatch-{name}-{i}"))
                .spawn(move || {
                    // Jobs catch their own panics (see `run`), so this loop ends only when the pool is dropped.
                    while let Ok(job) = rx.recv() {
                        stats.queued.fetch_sub(1, Ordering::Relaxed);
                        stats.running.fetch_add(1, Ordering::Relaxed);
                        job();
                        stats.running.fetch_sub(1, Ordering::Relaxed);
                        stats.completed.fetch_add(1, Ordering::Relaxed);
                        let ms = stats.started.map_or(0, |s| s.elapsed().as_millis() as u64);
                        stats.last_done_ms.store(ms, Ordering::Relaxed);
                    }
                    stats.alive.fetch_sub(1, Ordering::Relaxed);
                });
            if let Err(e) = spawned {
                counted.alive.fetch_sub(1, Ordering::Relaxed);
                tracing::error!(pool = name, error = %e, "could not start a work thread");
            }
        }
        WorkPool { name, tx, stats }
    }

    pub fn stats(&self) -> &Arc<PoolStats> {
        &self.stats
    }

    /// Runs `f` on the pool inside the caller's tracing span, unless `deadline` expires first. A panic in `f`
    /// becomes [`ServiceError::Internal`]; the thread survives it.
    pub async fn run<T, F>(&self, deadline: &Deadline, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&Deadline) -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job_deadline = deadline.clone();
        let stats = Arc::clone(&self.stats);
        let pool = self.name;
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            if job_deadline.expired() {
                stats.expired.fetch_add(1, Ordering::Relaxed);
                let _ = tx.send(Err(ServiceError::DeadlineExceeded));
                return;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| f(&job_deadline)));
            let _ = tx.send(outcome.map_err(|_| {
                stats.panics.fetch_add(1, Ordering::Relaxed);
                tracing::error!(pool, "a request's work panicked; the thread goes on");
                ServiceError::Internal
            }));
        });
        if let Err(e) = self.tx.try_send(job) {
            return Err(match e {
                TrySendError::Full(_) => {
                    self.stats.refused.fetch_add(1, Ordering::Relaxed);
                    ServiceError::Busy(self.name)
                }
                TrySendError::Disconnected(_) => ServiceError::Unavailable,
            });
        }
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        // Dropping this future (client gone, timeout) cancels the deadline, so queued or running work stops.
        let cancel = deadline.cancel_on_drop();
        let result = rx.await.map_err(|_| ServiceError::Unavailable);
        cancel.disarm();
        result?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_fails_its_request_and_the_thread_lives_on() {
        let pool = WorkPool::new("test", 1, 4);
        let d = Deadline::none();
        for _ in 0..3 {
            let r: Result<(), _> = pool.run(&d, |_| panic!("boom")).await;
            assert!(matches!(r, Err(ServiceError::Internal)));
        }
        assert_eq!(pool.run(&d, |_| 7).await.unwrap(), 7);
        assert_eq!(pool.stats().panics.load(Ordering::Relaxed), 3);
        assert_eq!(pool.stats().alive.load(Ordering::Relaxed), 1);
        assert!(pool.stats().healthy(Duration::from_secs(30)));
    }

    #[tokio::test]
    async fn expired_work_is_not_run_and_a_full_queue_refuses() {
        let pool = Arc::new(WorkPool::new("test", 1, 1));
        let ran = Arc::new(AtomicUsize::new(0));
        let expired = Deadline::after(Duration::ZERO);
        let r = pool
            .run(&expired, {
                let ran = Arc::clone(&ran);
                move |_| ran.fetch_add(1, Ordering::Relaxed)
            })
            .await;
        assert!(matches!(r, Err(ServiceError::DeadlineExceeded)));
        assert_eq!(ran.load(Ordering::Relaxed), 0);

        // One job blocks the thread, one waits in the queue: the third is refused at once.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = tokio::sync::oneshot::channel::<()>();
        let d = Deadline::none();
        let blocker = tokio::spawn({
            let pool = Arc::clone(&pool);
            let d = d.clone();
            async move {
                pool.run(&d, move |_| {
                    let _ = started.send(());
                    let _ = wait.recv();
                })
                .await
            }
        });
        has_started.await.unwrap();
        let queued = tokio::spawn({
            let pool = Arc::clone(&pool);
            let d = d.clone();
            async move { pool.run(&d, |_| 1).await }
        });
        while pool.stats().queued() == 0 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(&d, |_| 2).await;
        assert!(matches!(refused, Err(ServiceError::Busy(_))), "{refused:?}");
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        assert_eq!(queued.await.unwrap().unwrap(), 1);
    }

    #[tokio::test]
    async fn a_pool_that_finishes_nothing_while_work_waits_is_stalled() {
        let pool = Arc::new(WorkPool::new("test", 1, 4));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = tokio::sync::oneshot::channel::<()>();
        let d = Deadline::none();
        let blocker = tokio::spawn({
            let (pool, d) = (Arc::clone(&pool), d.clone());
            async move {
                pool.run(&d, move |_| {
                    let _ = started.send(());
                    let _ = wait.recv();
                })
                .await
            }
        });
        has_started.await.unwrap();
        let waiting = tokio::spawn({
            let (pool, d) = (Arc::clone(&pool), d.clone());
            async move { pool.run(&d, |_| ()).await }
        });
        while pool.stats().queued() == 0 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(pool.stats().stalled(Duration::from_millis(100)));
        assert!(!pool.stats().healthy(Duration::from_millis(100)));
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        waiting.await.unwrap().unwrap();
        assert!(pool.stats().healthy(Duration::from_millis(100)));
    }
}
