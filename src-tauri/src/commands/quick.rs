//! Commands of the quick-search window: what can be copied, and closing it.

use serde::Serialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::error::CommandResult;
use crate::state::AppState;
use crate::{quick, windows};

/// One thing quick search can copy: a key by name, or a purpose's narrowest key.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct QuickItem {
    /// "key" or "purpose".
    pub kind: String,
    pub name: String,
    pub provider: String,
    pub scopes: Vec<String>,
    pub environment: Option<String>,
    pub pinned: bool,
}

/// Keys and purposes to search, pinned keys first. Names and scopes only.
#[tauri::command]
pub fn quick_items(state: State<'_, AppState>) -> CommandResult<Vec<QuickItem>> {
    state.with_vault(|vault| {
        let mut items: Vec<QuickItem> = vault
            .copies()
            .purposes()?
            .into_iter()
            .map(|p| QuickItem {
                kind: "purpose".into(),
                provider: p.provider().to_owned(),
                name: p.name,
                scopes: p.scopes,
                environment: None,
                pinned: false,
            })
            .collect();
        let mut keys: Vec<&till_core::model::KeyMeta> = vault
            .keys()
            .iter()
            .filter(|k| k.status == till_core::model::KeyStatus::Active)
            .collect();
        keys.sort_by_key(|k| !k.pinned);
        items.extend(keys.into_iter().map(|k| QuickItem {
            kind: "key".into(),
            name: k.name.clone(),
            provider: k.provider.clone(),
            scopes: k.scopes.clone(),
            environment: Some(k.environment.clone()),
            pinned: k.pinned,
        }));
        Ok(items)
    })
}

/// Hides the quick window (Esc, or after a copy).
#[tauri::command]
pub fn hide_quick_window(app: AppHandle) {
    quick::hide(&app);
}

/// Opens the main window (to unlock) and hides quick search.
#[tauri::command]
pub fn open_till(app: AppHandle) {
    quick::hide(&app);
    windows::show_main(&app);
}
