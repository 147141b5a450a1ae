//! Till's core: everything Till knows about keys, vaults and time, with no GUI in sight.
//!
//! The desktop shell (`src-tauri`) and the `till` command are thin adapters over this
//! crate, so one behaviour can be tested with plain `cargo test` and no display. Types
//! that cross into the webview derive `ts_rs::TS`; their TypeScript twins are checked in
//! under `ui/src/lib/ipc/bindings/`, written by `cargo test` (see `.cargo/config.toml`) and
//! kept current by `scripts/test`, which fails on a diff.
#![forbid(unsafe_code)]

pub mod agents;
pub mod autostart;
pub mod backup;
pub mod catalog;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod export;
pub mod history;
pub mod import;
pub mod keyring;
pub mod leaks;
pub mod lessons;
pub mod model;
pub mod onboarding;
pub mod password;
pub mod paths;
pub mod reminders;
pub mod runbook;
pub mod scopes;
pub mod search;
pub mod session;
pub mod settings;
pub mod shortlist;
pub mod status;
pub mod team;
mod training;
pub mod vault;
pub mod verify;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{ErrorCode, TillError};
pub use paths::TillPaths;
pub use status::{AppStatus, VaultState};

/// Till's version, shared by the window, the tray and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
