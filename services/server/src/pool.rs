//! A small pool of threads for Tantivy and matching work, so CPU-heavy requests never block tokio's workers.
//! Bounded by its thread count: excess requests queue here rather than oversubscribing the cores.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::error::ServiceError;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct WorkPool {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
}

impl WorkPool {
    pub fn new(threads: usize) -> WorkPool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("jobmatch-work-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a work thread");
            }
        }
        WorkPool {
            tx: Mutex::new(Some(tx)),
        }
    }

    /// Runs `f` on the pool inside the caller's tracing span.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _ = tx.send(span.in_scope(f));
        });
        {
            let guard = self.tx.lock().map_err(|_| ServiceError::Unavailable)?;
            let sender = guard.as_ref().ok_or(ServiceError::Unavailable)?;
            sender.send(job).map_err(|_| ServiceError::Unavailable)?;
        }
        rx.await.map_err(|_| ServiceError::Unavailable)
    }
}
