//! Commands of the Leaks view and the leaked-key runbook: watch or scan a folder, list
//! and dismiss findings, show a file's folder, and the runbook's audited steps.
//!
//! Scans run on the watcher thread (`crate::leaks`); these commands queue them and the
//! window refreshes on the `till://leaks` event. The window can only act on files that
//! have a finding: it cannot name an arbitrary path to open.

use serde::Serialize;
use tauri::State;
use till_core::leaks::board::LeakPlace;
use till_core::leaks::runbook::{self, LeakStep, LeakStepView};
use till_core::settings::scan;
use till_core::TillError;
use ts_rs::TS;

use crate::error::CommandResult;
use crate::leaks::{LeakOverview, LeaksHost};
use crate::state::AppState;

fn home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(Into::into)
}

/// The Leaks view.
#[tauri::command]
pub fn leak_overview(state: State<'_, AppState>, host: State<'_, LeaksHost>) -> LeakOverview {
    host.overview(&state)
}

/// Watches `folder` from now on (written to `[scan] watched`) and scans it.
#[tauri::command]
pub fn watch_folder(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    folder: String,
) -> CommandResult<LeakOverview> {
    state.touch();
    scan::watch(&state.paths, &folder, home().as_deref())?;
    host.reconfigure();
    Ok(host.overview(&state))
}

/// Stops watching `folder` (as listed); its findings leave the view.
#[tauri::command]
pub fn unwatch_folder(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    folder: String,
) -> CommandResult<LeakOverview> {
    state.touch();
    scan::unwatch(&state.paths, &folder)?;
    host.reconfigure();
    Ok(host.overview(&state))
}

/// Sets the size above which files are skipped, in KiB (`[scan] max_file_size_kb`).
#[tauri::command]
pub fn save_scan_limit(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    kb: u64,
) -> CommandResult<LeakOverview> {
    state.touch();
    scan::set_max_file_size_kb(&state.paths, kb)?;
    host.reconfigure();
    Ok(host.overview(&state))
}

/// Scans `folder` once, without watching it (needs the vault open).
#[tauri::command]
pub fn scan_folder(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    folder: String,
) -> CommandResult<()> {
    state.touch();
    if !state.is_unlocked() {
        return Err(TillError::VaultLocked.into());
    }
    let path = scan::expand(&folder, home().as_deref())
        .filter(|path| path.is_dir())
        .ok_or_else(|| TillError::InvalidInput {
            what: format!(
                "\"{}\" is not a folder: type its full path, from / or ~/",
                folder.trim()
            ),
        })?;
    Ok(host.scan_once(path)?)
}

/// Hides a finding until its file changes.
#[tauri::command]
pub fn dismiss_leak(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    path: String,
    line: u32,
    fingerprint: String,
) -> CommandResult<LeakOverview> {
    state.touch();
    let line = usize::try_from(line).unwrap_or(usize::MAX);
    if !host.dismiss(&path, line, &fingerprint) {
        return Err(TillError::InvalidInput {
            what: "that finding is gone (the folder was rescanned): look at the list again".into(),
        }
        .into());
    }
    Ok(host.overview(&state))
}

/// "Open file location": copies the file's path and opens its folder in the file
/// manager. Only files with a finding qualify.
#[tauri::command]
pub fn reveal_leak_file(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    path: String,
) -> CommandResult<()> {
    state.touch();
    if !host.has_file(&path) {
        return Err(TillError::InvalidInput {
            what: "Till found nothing in that file: look at the list again".into(),
        }
        .into());
    }
    state
        .clipboard
        .put(&secrecy::SecretString::from(path.clone()))?;
    if let Some(folder) = std::path::Path::new(&path).parent() {
        crate::browser::open(&folder.to_string_lossy());
    }
    Ok(())
}

/// The leaked-key runbook for one vault key, with the places it was found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LeakRunbook {
    pub key: String,
    pub provider: String,
    pub steps: Vec<LeakStepView>,
    pub places: Vec<LeakPlace>,
}

/// The runbook for `key`, as the key's panel shows it.
#[tauri::command]
pub fn leak_runbook(
    state: State<'_, AppState>,
    host: State<'_, LeaksHost>,
    key: String,
) -> CommandResult<LeakRunbook> {
    let provider = state.with_vault_read(|vault| Ok(vault.keys().find(&key)?.provider.clone()))?;
    Ok(LeakRunbook {
        places: host.places_of(&key),
        steps: runbook::steps(),
        provider,
        key,
    })
}

/// Starts the runbook from a finding (audited with where it was found).
#[tauri::command]
pub fn start_leak_runbook(
    state: State<'_, AppState>,
    key: String,
    place: Option<String>,
) -> CommandResult<()> {
    state
        .with_vault(|vault| vault.leak_response().start(&key, place.as_deref()))
        .map(drop)
}

/// Records a runbook step the person took (audited).
#[tauri::command]
pub fn leak_step_done(
    state: State<'_, AppState>,
    key: String,
    step: LeakStep,
) -> CommandResult<()> {
    state
        .with_vault(|vault| vault.leak_response().step_done(&key, step))
        .map(drop)
}

/// Adds the incident note to the key's notes (audited).
#[tauri::command]
pub fn record_leak(state: State<'_, AppState>, key: String, note: String) -> CommandResult<()> {
    state
        .with_vault(|vault| vault.leak_response().record(&key, &note))
        .map(drop)
}
