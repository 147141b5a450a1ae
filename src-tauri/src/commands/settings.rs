//! The Settings page: read and save `settings.toml` (core checks and writes it, keeping
//! the user's comments), and the theme both windows follow.

use serde::Serialize;
use tauri::{Manager, State, WebviewWindow};
use till_core::settings::edit::{self, SettingsForm, SettingsPage};
use till_core::settings::{Settings, Theme};
use ts_rs::TS;

use crate::error::CommandResult;
use crate::state::AppState;

/// The Settings page as the file is now; the unlock mode only while the vault is open.
#[tauri::command]
pub fn settings_page(state: State<'_, AppState>) -> CommandResult<SettingsPage> {
    let opens_at_login = state
        .with_open_vault(|vault| vault.opens_at_login())
        .transpose()?;
    Ok(SettingsPage::load(
        &state.paths,
        &state.settings,
        opens_at_login,
    )?)
}

/// Checks and saves the form; the theme applies at once, the rest when Till next starts.
#[tauri::command]
pub fn save_settings(
    state: State<'_, AppState>,
    form: SettingsForm,
) -> CommandResult<SettingsPage> {
    state.touch();
    edit::save(&state.paths, form)?;
    settings_page(state)
}

/// The theme a window should use: the saved choice, and the desktop's own preference
/// where GTK tells it (WebKitGTK does not always pass it on as `prefers-color-scheme`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ThemeChoice {
    pub preference: Theme,
    /// `true` when the desktop prefers dark; `None` when it does not say.
    pub system_dark: Option<bool>,
}

/// The theme for the calling window.
#[tauri::command]
pub fn theme_choice(window: WebviewWindow) -> CommandResult<ThemeChoice> {
    let state = window.state::<AppState>();
    // A broken file falls back to the system theme: the page still opens.
    let preference = Settings::load(&state.paths)
        .map(|s| s.appearance.theme)
        .unwrap_or_default();
    let system_dark = window.theme().ok().map(|t| t == tauri::Theme::Dark);
    Ok(ThemeChoice {
        preference,
        system_dark,
    })
}
