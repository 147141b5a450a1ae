//! Saving exports where the user chooses: one command per file the window offers. Each
//! shows the native save dialog from Rust (see `saving.rs`); the webview sends no path
//! and gets back only the path written (`None` if the user cancelled).

use secrecy::SecretString;
use tauri::{AppHandle, Manager, WebviewWindow};
use till_core::agents::usage::ledger_csv;
use till_core::export;
use till_core::password::check_new_password;
use till_core::TillError;

use super::agents::CSV_ROWS;
use super::training::{check_team_outside_the_lock, team_file};
use super::vault::{blocking, with_vault};
use crate::agents;
use crate::error::CommandResult;
use crate::saving::{self, NativeDialog, SaveRequest};
use crate::state::AppState;

/// Shows the dialog on a blocking thread (it waits for the user), then makes and writes
/// the file with the vault.
async fn save_with_vault(
    window: WebviewWindow,
    request: SaveRequest,
    make: impl FnOnce(&AppHandle, &std::path::Path) -> Result<Vec<u8>, TillError> + Send + 'static,
) -> CommandResult<Option<String>> {
    let state = window.state::<AppState>();
    state.touch();
    // Locked: say so before asking where to save a file that cannot be made.
    if !state.is_unlocked() {
        return Err(TillError::VaultLocked.into());
    }
    blocking(move || {
        let app = window.app_handle().clone();
        saving::save(&NativeDialog(window), &request, |to| make(&app, to))
    })
    .await
}

/// An encrypted backup of every key, sealed with a new backup password.
#[tauri::command]
pub async fn save_backup(window: WebviewWindow, password: String) -> CommandResult<Option<String>> {
    let password = SecretString::from(password);
    check_new_password(&password)?;
    let request = SaveRequest {
        title: "Save an encrypted backup of every key",
        file_name: "till-backup.till",
        kind: ("Till backup", "till"),
    };
    save_with_vault(window, request, move |app, to| {
        let now = app.state::<AppState>().clock.now();
        with_vault(app, |vault| {
            export::encrypted_backup(vault, &password, now, to)
        })
        .map(|(bytes, _)| bytes)
    })
    .await
}

/// The inventory without values, as CSV.
#[tauri::command]
pub async fn save_metadata_csv(window: WebviewWindow) -> CommandResult<Option<String>> {
    let request = SaveRequest {
        title: "Save the key list, without values, as CSV",
        file_name: "till-keys.csv",
        kind: ("CSV", "csv"),
    };
    save_with_vault(window, request, |app, to| {
        with_vault(app, |vault| export::metadata_csv(vault, to))
    })
    .await
}

/// The audit log, as JSON (what `till log --json` prints).
#[tauri::command]
pub async fn save_audit_log(window: WebviewWindow) -> CommandResult<Option<String>> {
    let request = SaveRequest {
        title: "Save the audit log",
        file_name: "till-audit-log.json",
        kind: ("JSON", "json"),
    };
    save_with_vault(window, request, |app, to| {
        with_vault(app, |vault| export::audit_log_json(vault, to))
    })
    .await
}

/// The team compliance report, as Markdown for the lead (`builtin`: Till's checklists).
#[tauri::command]
pub async fn save_team_report(
    window: WebviewWindow,
    builtin: bool,
) -> CommandResult<Option<String>> {
    let request = SaveRequest {
        title: "Save the team report",
        file_name: "till-team-report.md",
        kind: ("Markdown", "md"),
    };
    save_with_vault(window, request, move |app, to| {
        let report = check_team_outside_the_lock(app, |vault| team_file(vault, builtin))?
            .ok_or_else(|| TillError::InvalidInput {
                what: "no team file is adopted: open one in Training → Team checks first".into(),
            })?
            .to_markdown();
        with_vault(app, |vault| {
            vault.record_export(&format!("team report to {}", to.display()))
        })?;
        Ok(report.into_bytes())
    })
    .await
}

/// One agent key's request log, as CSV.
#[tauri::command]
pub async fn save_agent_usage_csv(
    window: WebviewWindow,
    id: String,
) -> CommandResult<Option<String>> {
    let request = SaveRequest {
        title: "Save the agent key's request log as CSV",
        file_name: "till-agent-requests.csv",
        kind: ("CSV", "csv"),
    };
    save_with_vault(window, request, move |app, _| {
        let log = agents::with_agent_vault(app, |vault| vault.grants().usage(Some(&id), CSV_ROWS))
            .unwrap_or(Err(TillError::VaultLocked))?;
        Ok(ledger_csv(&log).into_bytes())
    })
    .await
}
