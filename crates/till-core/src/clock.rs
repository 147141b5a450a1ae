//! Time as an explicit dependency.
//!
//! Reminders, expiry and rotation all depend on "now". Passing a [`Clock`] instead of
//! calling `Utc::now()` lets tests and demos travel in time, and lets `TILL_NOW` pin the
//! clock for the app and the CLI alike.

use chrono::{DateTime, Utc};

use crate::error::TillError;

/// The environment variable that fixes Till's clock (RFC 3339, e.g. `2026-11-27T09:00:00Z`).
pub const TILL_NOW_VAR: &str = "TILL_NOW";

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Whether this clock is pinned (by `TILL_NOW` or a test) rather than the system's.
    fn is_fixed(&self) -> bool {
        false
    }
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }

    fn is_fixed(&self) -> bool {
        true
    }
}

/// Chooses the clock from the value of `TILL_NOW`: fixed when set, the system's otherwise.
///
/// An empty value counts as unset, so `TILL_NOW= till status` behaves like plain `till`.
pub fn clock_from_env_value(value: Option<&str>) -> Result<Box<dyn Clock>, TillError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Box::new(SystemClock)),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|at| Box::new(FixedClock(at.with_timezone(&Utc))) as Box<dyn Clock>)
            .map_err(|_| TillError::BadClockOverride {
                value: text.to_owned(),
            }),
    }
}

/// Reads `TILL_NOW` from the process environment and chooses the clock.
pub fn clock_from_env() -> Result<Box<dyn Clock>, TillError> {
    let value = std::env::var(TILL_NOW_VAR).ok();
    clock_from_env_value(value.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_blank_means_system_clock() {
        assert!(!clock_from_env_value(None).unwrap().is_fixed());
        assert!(!clock_from_env_value(Some("  ")).unwrap().is_fixed());
    }

    #[test]
    fn rfc3339_with_offset_is_normalised_to_utc() {
        let clock = clock_from_env_value(Some("2026-03-29T03:30:00+02:00")).unwrap();
        assert!(clock.is_fixed());
        assert_eq!(clock.now().to_rfc3339(), "2026-03-29T01:30:00+00:00");
    }

    #[test]
    fn garbage_is_rejected_with_the_offending_value() {
        let err = clock_from_env_value(Some("next tuesday")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("next tuesday"), "{message}");
        assert!(message.contains("RFC 3339"), "{message}");
        assert_eq!(err.code(), crate::ErrorCode::BadEnvironment);
    }
}
