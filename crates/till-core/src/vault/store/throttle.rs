//! Backing off after failed unlocks, without touching the vault file.
//!
//! A wrong password must leave the vault byte-for-byte unchanged, so failures are counted
//! in a small file in the state directory. After three free tries each failure doubles
//! the wait (1 s, 2 s, 4 s … up to 5 minutes). The failures are written to the sealed
//! audit log at the next successful unlock, when there is a key to seal them with.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::TillError;

const FREE_ATTEMPTS: u32 = 3;
const MAX_WAIT_SECS: i64 = 300;
const FILE_NAME: &str = "unlock-failures.json";

/// Failed unlocks since the last success.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    pub at: Vec<DateTime<Utc>>,
}

impl Failures {
    fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// Reads the record; a missing or unreadable file counts as no failures.
    pub fn load(state_dir: &Path) -> Self {
        std::fs::read(Self::path(state_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// How long to wait before the next attempt is allowed, at `now`.
    pub fn wait_at(&self, now: DateTime<Utc>) -> Option<Duration> {
        let count = u32::try_from(self.at.len()).unwrap_or(u32::MAX);
        let last = *self.at.last()?;
        if count < FREE_ATTEMPTS {
            return None;
        }
        let exponent = (count - FREE_ATTEMPTS).min(16);
        let wait = Duration::seconds((1_i64 << exponent).min(MAX_WAIT_SECS));
        // A clock set backwards must not lock the user out for longer than the wait.
        let elapsed = (now - last).max(Duration::zero());
        (elapsed < wait).then(|| wait - elapsed)
    }

    /// Refuses an attempt that comes too soon.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), TillError> {
        match self.wait_at(now) {
            Some(wait) => Err(TillError::Throttled {
                wait_secs: wait.num_seconds().max(1) as u64,
            }),
            None => Ok(()),
        }
    }

    /// Records one more failure.
    pub fn record(state_dir: &Path, now: DateTime<Utc>) -> Result<(), TillError> {
        let mut failures = Self::load(state_dir);
        failures.at.push(now);
        let path = Self::path(state_dir);
        let bytes = serde_json::to_vec(&failures).map_err(|e| TillError::Internal {
            what: e.to_string(),
        })?;
        crate::paths::write_private(&path, &bytes)
    }

    /// Forgets failures after a successful unlock (they are in the audit log by then).
    pub fn clear(state_dir: &Path) {
        let _ = std::fs::remove_file(Self::path(state_dir));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn three_free_tries_then_doubling_waits_capped_at_five_minutes() {
        let mut failures = Failures::default();
        for n in 0..3 {
            failures.at.push(at(n));
        }
        assert_eq!(failures.wait_at(at(2)), Some(Duration::seconds(1)));
        assert_eq!(failures.wait_at(at(3)), None);
        failures.at.push(at(3));
        assert_eq!(failures.wait_at(at(3)), Some(Duration::seconds(2)));
        for n in 4..30 {
            failures.at.push(at(n));
        }
        assert_eq!(failures.wait_at(at(29)), Some(Duration::seconds(300)));
    }

    #[test]
    fn a_clock_set_backwards_waits_no_longer_than_the_full_wait() {
        let failures = Failures {
            at: vec![at(100), at(100), at(100), at(100)],
        };
        assert_eq!(failures.wait_at(at(-5000)), Some(Duration::seconds(2)));
    }

    #[test]
    fn round_trips_through_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Failures::load(dir.path()), Failures::default());
        Failures::record(dir.path(), at(0)).unwrap();
        Failures::record(dir.path(), at(1)).unwrap();
        assert_eq!(Failures::load(dir.path()).at, vec![at(0), at(1)]);
        Failures::clear(dir.path());
        assert!(Failures::load(dir.path()).at.is_empty());
    }
}
