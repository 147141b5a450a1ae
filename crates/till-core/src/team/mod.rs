//! Team policies and checklists, from a team file checked against the inventory.
//!
//! `file` parses the TOML a team lead commits (with line and column for every problem),
//! `check` evaluates it against the real keys, and `report` renders the result as
//! Markdown for the lead (JSON comes from serde).

pub mod check;
pub mod file;
pub mod report;

pub use check::{check, Compliance, Finding, Fix, Status, Tick, Ticks};
pub use file::{parse, FileProblem, Rule, TeamFile};
