//! IPC commands, one per user action, grouped by domain. Each is declared in `build.rs`
//! and granted per window in `capabilities/*.json`; nothing else is reachable
//! (`tests/command_list.rs` checks that these lists agree).

pub mod agents;
pub mod app;
pub mod autostart;
pub mod copying;
pub mod files;
pub mod leaks;
pub mod quick;
pub mod reminders;
pub mod settings;
pub mod training;
pub mod vault;
pub mod window;
