//! Commands for reminders, live checks, rotation runbooks and audit reviews.
//!
//! A live check opens the key's value in Rust, sends it only to its provider, and
//! returns the outcome; the value never enters the webview. The vault lock is not held
//! while the network answers, so the window stays usable during a slow check.

use secrecy::SecretString;
use tauri::{AppHandle, Manager, State};
use till_core::catalog;
use till_core::model::{KeyView, RotationStep};
use till_core::reminders::DueItem;
use till_core::runbook::{self, Runbook};
use till_core::vault::{AuditReview, RotationAction, RotationInput};
use till_core::TillError;

use crate::error::{CommandResult, IpcError};
use crate::route::Route;
use crate::state::AppState;

/// Everything upcoming or past due, most urgent first.
#[tauri::command]
pub fn due_items(state: State<'_, AppState>) -> CommandResult<Vec<DueItem>> {
    state.with_vault(|vault| Ok(vault.due_items()))
}

/// The rotation runbook's steps and wording, marked against `current` (the step a
/// rotation is at), and the rollback window. Needs no vault: core's wording only.
#[tauri::command]
pub fn rotation_runbook(current: Option<RotationStep>) -> Runbook {
    runbook::runbook(current)
}

/// Holds a key's reminders for `days` days.
#[tauri::command]
pub fn snooze_key(state: State<'_, AppState>, name: String, days: u32) -> CommandResult<KeyView> {
    let until = state.clock.now() + chrono::Duration::days(i64::from(days.clamp(1, 90)));
    state.with_vault(|vault| {
        vault
            .reminders()
            .snooze(&name, until)
            .map(|meta| vault.view(&meta))
    })
}

/// Checks the key's current value with its provider and records the outcome.
#[tauri::command]
pub async fn verify_key(app: AppHandle, name: String) -> CommandResult<KeyView> {
    let state = app.state::<AppState>();
    let ticket = state.with_vault(|vault| vault.values().for_check(&name))?;
    let check =
        till_core::verify::check_key(&ticket.meta.provider, &ticket.value, &state.settings.verify)
            .await;
    tracing::info!(provider = %ticket.meta.provider, outcome = ?check.outcome, "live check");
    state.with_vault(|vault| {
        vault
            .reminders()
            .record_check(ticket, &check)
            .map(|meta| vault.view(&meta))
    })
}

/// Takes one step of a key's rotation runbook (all but pasting the new value).
#[tauri::command]
pub fn rotation_step(
    state: State<'_, AppState>,
    name: String,
    action: RotationAction,
) -> CommandResult<KeyView> {
    state.with_vault(|vault| {
        vault
            .rotation()
            .step(&name, RotationInput::from(action))
            .map(|meta| vault.view(&meta))
    })
}

/// The runbook's paste step: the new value replaces the old, which is kept for rollback.
#[tauri::command]
pub fn rotation_paste(
    state: State<'_, AppState>,
    name: String,
    value: String,
) -> CommandResult<KeyView> {
    let value = SecretString::from(value);
    state.with_vault(|vault| {
        vault
            .rotation()
            .step(&name, RotationInput::Paste(value))
            .map(|meta| vault.view(&meta))
    })
}

/// Completes an audit review.
#[tauri::command]
pub fn review_audit(
    state: State<'_, AppState>,
    name: String,
    review: AuditReview,
) -> CommandResult<KeyView> {
    state.with_vault(|vault| {
        vault
            .reminders()
            .review_audit(&name, &review)
            .map(|meta| vault.view(&meta))
    })
}

/// Skips an audit review, with the reason (required).
#[tauri::command]
pub fn skip_audit(state: State<'_, AppState>, name: String, reason: String) -> CommandResult<()> {
    state.with_vault(|vault| vault.reminders().skip_audit(&name, &reason))
}

/// Where the window should go (set by a notification or tray click), once.
#[tauri::command]
pub fn take_route(state: State<'_, AppState>) -> Option<Route> {
    state.take_route()
}

/// Opens a provider's console (from the catalog, never a URL from the webview) in the
/// default browser, to create or revoke a key there. Returns the URL, so the window can
/// show it when no browser opens.
#[tauri::command]
pub fn open_provider_console(provider: String) -> CommandResult<String> {
    let url = catalog::provider(&provider)
        .and_then(|p| p.console_url.clone())
        .ok_or_else(|| {
            IpcError::from(TillError::InvalidInput {
                what: format!("'{provider}' has no console link in the catalog"),
            })
        })?;
    crate::browser::open(&url);
    Ok(url)
}
