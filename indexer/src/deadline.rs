//! The time a request may still take, shared by the async side that set it and the work thread that does the
//! work. Work checks it between steps and stops with [`Expired`]; the async side also cancels it when the
//! client goes away, so abandoned work stops early instead of holding a thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Deadline {
    at: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

/// The deadline passed or the request was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("deadline exceeded")]
pub struct Expired;

impl Deadline {
    /// No time limit (command-line tools, tests); can still be cancelled.
    pub fn none() -> Deadline {
        Deadline {
            at: None,
            cancelled: Arc::default(),
        }
    }

    pub fn after(d: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(d),
            cancelled: Arc::default(),
        }
    }

    pub fn expired(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || self.at.is_some_and(|at| Instant::now() >= at)
    }

    pub fn check(&self) -> Result<(), Expired> {
        if self.expired() { Err(Expired) } else { Ok(()) }
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Time left, if limited.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Cancels the deadline when dropped, unless disarmed: held by the async side of a request, so work is
    /// cancelled when the request future is dropped (client gone, timeout).
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(Some(Arc::clone(&self.cancelled)))
    }
}

pub struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl CancelOnDrop {
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_and_cancels() {
        assert!(!Deadline::none().expired());
        assert!(Deadline::after(Duration::ZERO).expired());
        let d = Deadline::after(Duration::from_secs(60));
        assert!(d.check().is_ok());
        drop(d.cancel_on_drop());
        assert_eq!(d.check(), Err(Expired));
        let d = Deadline::none();
        d.cancel_on_drop().disarm();
        assert!(!d.expired());
    }
}
