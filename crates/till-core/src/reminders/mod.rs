//! Rotation, audit and expiry reminders: policies, due logic and scheduling decisions.
//!
//! Everything here is pure: it takes the keys, the settings, a time zone and an explicit
//! "now", and returns what is due and what to announce. The desktop shell owns the timer
//! and the notifications; the CLI prints the same items with `till due`. Keeping the time
//! logic free of clocks and I/O is what lets the tests travel across DST changes, leap
//! days and clocks set backwards.

pub mod calendar;
pub mod due;
pub mod policy;
pub mod schedule;

pub use due::{due_items, DueItem, DueKind, DueState};
pub use policy::{Policy, QuietHours, ReminderSettings};
pub use schedule::{plan, Announced, Ledger, Notice, Plan};
