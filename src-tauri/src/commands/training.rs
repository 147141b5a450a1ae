//! Commands for training: lessons and progress, the team file and its compliance.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use till_core::lessons::{self, Lesson};
use till_core::onboarding::{self, Walkthrough};
use till_core::team::{self, Compliance, TeamFile};
use till_core::vault::{Onboarding, Vault};
use till_core::TillError;
use ts_rs::TS;

use super::vault::{blocking, with_vault};
use crate::error::CommandResult;
use crate::state::AppState;

/// A lesson with whether (and when) it was completed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LessonView {
    pub lesson: Lesson,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every lesson with its progress.
#[tauri::command]
pub fn list_lessons(state: State<'_, AppState>) -> CommandResult<Vec<LessonView>> {
    state.with_vault(|vault| {
        let progress = vault.training().lesson_progress()?;
        Ok(lessons::all()
            .iter()
            .map(|lesson| LessonView {
                completed_at: progress.get(&lesson.id).copied(),
                lesson: lesson.clone(),
            })
            .collect())
    })
}

/// Records a lesson as completed.
#[tauri::command]
pub fn complete_lesson(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    if !lessons::all().iter().any(|l| l.id == id) {
        return Err(TillError::InvalidInput {
            what: format!("no lesson '{id}'"),
        }
        .into());
    }
    state.with_vault(|vault| vault.training().complete_lesson(&id))
}

/// Adopts a team file the person picked, and checks it against the inventory. A bad
/// file is refused with every problem and its line and column.
#[tauri::command]
pub async fn apply_team_file(app: AppHandle, content: String) -> CommandResult<Compliance> {
    blocking(move || {
        let adopted = check_team_outside_the_lock(&app, |vault| {
            vault.training().adopt_team_file(&content).map(Some)
        })?;
        adopted.ok_or_else(|| TillError::Internal {
            what: "the adopted team file went unchecked".into(),
        })
    })
    .await
}

/// The adopted team file's compliance now (`None` if none is adopted), or, with
/// `builtin`, Till's built-in checklists against the inventory.
#[tauri::command]
pub async fn team_compliance(app: AppHandle, builtin: bool) -> CommandResult<Option<Compliance>> {
    blocking(move || check_team_outside_the_lock(&app, |vault| team_file(vault, builtin))).await
}

/// The compliance report as Markdown, for the team lead (`None` if no file is adopted).
#[tauri::command]
pub async fn team_report_markdown(app: AppHandle, builtin: bool) -> CommandResult<Option<String>> {
    team_compliance(app, builtin)
        .await
        .map(|report| report.map(|r| r.to_markdown()))
}

/// The team file to check: Till's built-in checklists, or the adopted file if any.
pub(super) fn team_file(vault: &mut Vault, builtin: bool) -> Result<Option<TeamFile>, TillError> {
    if builtin {
        Ok(Some(team::builtin()))
    } else {
        vault.training().team_file()
    }
}

/// One team check at a time, in the order they were asked for: a file adopted after
/// another is also checked after it, and a repository is never scanned twice at once
/// (the scanner keeps to one thread; the machine is the user's).
static TEAM_CHECKS: Mutex<()> = Mutex::new(());

/// Checks the team file `pick` chooses (`None`: there is none) in three steps, so a
/// `no_hardcoded_keys` rule over a large repository holds up no other command: what the
/// scan needs is taken from the open vault, the folders are scanned without it, then the
/// findings are checked with it. Call it from a blocking thread. A lock during the scan
/// stops it at the next file (its fingerprint key is then zeroized) and ends the check
/// with `locked`; a file being adopted stays adopted.
pub(super) fn check_team_outside_the_lock(
    app: &AppHandle,
    pick: impl FnOnce(&mut Vault) -> Result<Option<TeamFile>, TillError>,
) -> Result<Option<Compliance>, TillError> {
    // Holds no data: a panic in another check leaves nothing half-done to guard.
    let _one_at_a_time = TEAM_CHECKS.lock().unwrap_or_else(PoisonError::into_inner);
    let base = team_base();
    let state = app.state::<AppState>();
    let picked = with_vault(app, |vault| {
        Ok(pick(vault)?.map(|file| {
            let scan = vault.training().team_scan(&file, &base);
            (file, scan, state.lock_watch())
        }))
    })?;
    let Some((file, scan, vault_locked)) = picked else {
        return Ok(None);
    };
    // A lock stops the scan at the next file; the fingerprints go with `scan`.
    let scans = scan.run_until(&vault_locked)?;
    // The fingerprint key is zeroized now, not when the check below returns.
    drop(scan);
    with_vault(app, |vault| {
        vault.training().check_team_scanned(&file, &scans)
    })
    .map(Some)
}

/// Ticks (or unticks) a manual checklist item in someone's name.
#[tauri::command]
pub fn tick_checklist_item(
    state: State<'_, AppState>,
    checklist: String,
    item: String,
    by: String,
    ticked: bool,
) -> CommandResult<()> {
    state.with_vault(|vault| vault.training().tick_item(&checklist, &item, &by, ticked))
}

/// Where the first-run walkthrough stands and whether it shows now (core decides); with
/// `restart` (Help → Walkthrough) it shows from the first step.
#[tauri::command]
pub fn onboarding_state(state: State<'_, AppState>, restart: bool) -> CommandResult<Walkthrough> {
    state.with_vault_read(|vault| {
        Ok(onboarding::walkthrough(
            vault.training().onboarding()?,
            vault.keys().len(),
            restart,
        ))
    })
}

/// Saves the walkthrough's progress (a step reached, skipped, finished, or restarted).
#[tauri::command]
pub fn save_onboarding(state: State<'_, AppState>, onboarding: Onboarding) -> CommandResult<()> {
    state.with_vault(|vault| vault.training().set_onboarding(&onboarding))
}

/// Where relative paths in an adopted team file start: the window has no file to start
/// from (its text was pasted or picked), so the home folder.
pub(crate) fn team_base() -> std::path::PathBuf {
    std::env::var_os("HOME").map_or_else(|| ".".into(), Into::into)
}
