//! Commands for the vault: set up, unlock, lock, and the key inventory.
//!
//! Key values never cross into the webview except through `reveal_key`, which is
//! audited. Values and passwords the user types arrive as strings and are wrapped in
//! `SecretString` (zeroized on drop) at once. Slow work (Argon2id, the keyring over
//! D-Bus) runs on a blocking thread so the window stays responsive.

use secrecy::SecretString;
use tauri::{AppHandle, Manager, State};
use till_core::catalog::{self, Provider, Recognition};
use till_core::crypto::kdf::params_for_new_vault;
use till_core::import::{self, ImportFormat, ImportPreview, PreviewView};
use till_core::keyring::Keyring;
use till_core::model::{KeyChanges, KeyInput, KeyView, NewKey};
use till_core::password::check_new_password;
use till_core::vault::{AuditEntry, ImportReport, Unlock, ValueUse, Vault};
use till_core::{AppStatus, TillError};

use crate::error::{CommandResult, IpcError};
use crate::state::AppState;
use crate::tray;

/// Runs `work` on the blocking pool, for commands that wait on the disk, a dialog or the
/// vault's KDF: Tauri runs plain commands on the main thread, which draws the windows
/// and the tray.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, TillError> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(IpcError::internal)?
        .map_err(IpcError::from)
}

/// Runs `action` on the open vault from a blocking thread, or fails with `locked`.
pub(super) fn with_vault<T>(
    app: &AppHandle,
    action: impl FnOnce(&mut Vault) -> Result<T, TillError>,
) -> Result<T, TillError> {
    let state = app.state::<AppState>();
    state.touch();
    state
        .with_open_vault(action)
        .unwrap_or(Err(TillError::VaultLocked))
}

/// Creates the vault: the password always opens it; with `use_keyring` the OS keyring
/// opens it at login too.
#[tauri::command]
pub async fn setup_vault(
    app: AppHandle,
    password: String,
    use_keyring: bool,
) -> CommandResult<AppStatus> {
    let password = SecretString::from(password);
    let handle = app.clone();
    let vault = blocking(move || {
        check_new_password(&password)?;
        let state = handle.state::<AppState>();
        let keyring = if use_keyring {
            Some(Keyring::connect()?)
        } else {
            None
        };
        Vault::create(
            &state.paths,
            &password,
            params_for_new_vault(),
            keyring.as_ref(),
            state.clock.clone(),
            &state.settings,
        )
    })
    .await?;
    let state = app.state::<AppState>();
    state.set_unlocked(vault);
    tray::refresh(&app);
    Ok(state.status())
}

/// Unlocks with the master password, or with the OS keyring when `password` is absent.
#[tauri::command]
pub async fn unlock_vault(app: AppHandle, password: Option<String>) -> CommandResult<AppStatus> {
    let password = password.map(SecretString::from);
    let handle = app.clone();
    let vault = blocking(move || {
        let state = handle.state::<AppState>();
        match &password {
            Some(password) => Vault::open(
                &state.paths,
                Unlock::Password(password),
                state.clock.clone(),
                &state.settings,
            ),
            None => {
                let keyring = Keyring::connect()?;
                Vault::open(
                    &state.paths,
                    Unlock::Keyring(&keyring),
                    state.clock.clone(),
                    &state.settings,
                )
            }
        }
    })
    .await
    .inspect_err(|error| {
        tracing::warn!(code = ?error.code, "unlock failed");
    })?;
    let state = app.state::<AppState>();
    state.set_unlocked(vault);
    tray::refresh(&app);
    Ok(state.status())
}

/// Locks the vault now.
#[tauri::command]
pub fn lock_vault(app: AppHandle, state: State<'_, AppState>) -> CommandResult<AppStatus> {
    state.lock();
    tray::refresh(&app);
    Ok(state.status())
}

/// Every key's metadata, sorted by name.
#[tauri::command]
pub fn list_keys(state: State<'_, AppState>) -> CommandResult<Vec<KeyView>> {
    state.with_vault(|vault| Ok(vault.keys().iter().map(|k| vault.view(k)).collect()))
}

/// Adds a key.
#[tauri::command]
pub fn add_key(state: State<'_, AppState>, key: KeyInput, value: String) -> CommandResult<KeyView> {
    let new = NewKey::from_input(key, SecretString::from(value));
    state.with_vault(|vault| vault.keys_mut().add(new).map(|meta| vault.view(&meta)))
}

/// Which provider a pasted value belongs to, if its format says so.
#[tauri::command]
pub fn recognize_value(value: String) -> Option<Recognition> {
    let value = SecretString::from(value);
    catalog::recognize(secrecy::ExposeSecret::expose_secret(&value))
}

/// The one way a value reaches the window: shown on request, audited.
#[tauri::command]
pub fn reveal_key(state: State<'_, AppState>, name: String) -> CommandResult<String> {
    state.with_vault(|vault| {
        vault
            .values()
            .open(&name, ValueUse::Reveal("shown in the window".into()))
            .map(|value| secrecy::ExposeSecret::expose_secret(&value).to_owned())
    })
}

/// Deletes a key and its value (the window asks for confirmation first).
#[tauri::command]
pub fn delete_key(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    state.with_vault(|vault| vault.keys_mut().remove(&name).map(|_| ()))
}

/// The ids of the keys matching `query`, best first (Till's one search, in core).
#[tauri::command]
pub fn search_keys(state: State<'_, AppState>, query: String) -> CommandResult<Vec<String>> {
    state.with_vault_read(|vault| {
        let found = till_core::search::rank(vault.keys(), &query);
        Ok(found.into_iter().map(|key| key.id.clone()).collect())
    })
}

/// One key's audit history by its id (a rename keeps it), newest first.
#[tauri::command]
pub fn key_audit_history(state: State<'_, AppState>, id: String) -> CommandResult<Vec<AuditEntry>> {
    state.with_vault_read(|vault| Ok(till_core::history::key_history(vault.audit_log()?, &id)))
}

/// The audit log, newest first.
#[tauri::command]
pub fn audit_log(state: State<'_, AppState>) -> CommandResult<Vec<AuditEntry>> {
    state.with_vault(|vault| {
        let mut entries = vault.audit_log()?;
        entries.reverse();
        Ok(entries)
    })
}

/// The provider catalog, for the add form's picker.
#[tauri::command]
pub fn list_providers() -> Vec<Provider> {
    catalog::storable_providers().cloned().collect()
}

/// Changes a key's details (not its value).
#[tauri::command]
pub fn edit_key(
    state: State<'_, AppState>,
    name: String,
    changes: KeyChanges,
) -> CommandResult<KeyView> {
    state.with_vault(|vault| {
        vault
            .keys_mut()
            .edit(&name, changes)
            .map(|meta| vault.view(&meta))
    })
}

/// Replaces a key's value; the old one is kept for the rollback window.
#[tauri::command]
pub fn replace_key_value(
    state: State<'_, AppState>,
    name: String,
    value: String,
) -> CommandResult<KeyView> {
    let value = SecretString::from(value);
    state.with_vault(|vault| {
        vault
            .keys_mut()
            .replace_value(&name, value)
            .map(|meta| vault.view(&meta))
    })
}

/// Puts back the value the last replacement retired, within the rollback window.
#[tauri::command]
pub fn rollback_key(state: State<'_, AppState>, name: String) -> CommandResult<KeyView> {
    state.with_vault(|vault| {
        vault
            .keys_mut()
            .rollback(&name)
            .map(|meta| vault.view(&meta))
    })
}

fn parse_import(
    file_name: &str,
    content: &str,
) -> Result<(ImportFormat, ImportPreview), TillError> {
    let format = ImportFormat::guess(file_name, content.as_bytes()).ok_or_else(|| {
        TillError::InvalidInput {
            what: format!(
                "cannot tell what kind of file {file_name} is: choose a .env file or a 1Password \
                 CSV, Bitwarden JSON or KeePassXC CSV export"
            ),
        }
    })?;
    Ok((format, import::parse(format, content.as_bytes())?))
}

/// What a file would import: names, providers and fingerprints (never values), and every
/// line that cannot be used. Nothing is stored.
#[tauri::command]
pub fn preview_import(file_name: String, content: String) -> CommandResult<PreviewView> {
    let content = zeroize::Zeroizing::new(content);
    let (format, preview) = parse_import(&file_name, &content)?;
    Ok(preview.view(format))
}

/// Imports the valid keys of a file the user accepted in the preview.
#[tauri::command]
pub fn apply_import(
    state: State<'_, AppState>,
    file_name: String,
    content: String,
) -> CommandResult<ImportReport> {
    let content = zeroize::Zeroizing::new(content);
    let (_, preview) = parse_import(&file_name, &content)?;
    state.with_vault(|vault| vault.keys_mut().import(preview, &file_name))
}

/// Changes the master password after checking the current one (the vault may have been
/// opened by the keyring, so being unlocked is not proof enough).
#[tauri::command]
pub async fn change_master_password(
    app: AppHandle,
    current: String,
    new_password: String,
) -> CommandResult<()> {
    let current = SecretString::from(current);
    let new_password = SecretString::from(new_password);
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        state.with_vault(|vault| {
            check_new_password(&new_password)?;
            vault.check_password(&current)?;
            vault.change_password(&new_password, params_for_new_vault())
        })
    })
    .await
    .map_err(IpcError::internal)?
}
