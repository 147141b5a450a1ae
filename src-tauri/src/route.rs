//! Where the main window goes next: a plain value the state holds and the window takes.
//!
//! Its own module so the state can hold a route without depending on the window code
//! (which depends on the state): `state → route`, `windows → state, route`.

use serde::Serialize;
use ts_rs::TS;

/// Where a notification or a tray click sends the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "view", rename_all = "snake_case")]
#[ts(export)]
pub enum Route {
    /// The list of everything due.
    Due,
    /// One key, optionally with its rotation runbook or audit review open.
    Key {
        name: String,
        panel: Option<KeyPanel>,
    },
    /// What the leak scanner found in the watched folders.
    Leaks,
}

/// A panel of the key detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyPanel {
    Rotation,
    Audit,
    /// The leaked-key runbook (revoke, rotate, find every place, record).
    Leak,
}
