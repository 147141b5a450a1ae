//! IPC commands, one per user action, grouped by domain. Each is declared in `build.rs`
//! and granted to the main window in `capabilities/main.json`; nothing else is reachable.

pub mod app;
pub mod copying;
pub mod quick;
pub mod reminders;
pub mod training;
pub mod vault;
pub mod window;
