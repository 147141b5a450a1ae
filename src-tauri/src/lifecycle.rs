//! When the vault opens and closes by itself: at start (via the OS keyring, so the tray
//! can work from login) and after the idle timeout (auto-lock).

use std::time::Duration;

use tauri::{AppHandle, Manager};
use till_core::keyring::Keyring;
use till_core::vault::{Unlock, Vault};
use till_core::ErrorCode;

use crate::state::AppState;
use crate::tray;

/// How often the idle timer looks at the clock.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(5);

/// Start-up's last step is the keyring unlock; a moment after it, Till is idle.
const SETTLED_AFTER_UNLOCK: Duration = Duration::from_secs(1);

/// Opens the vault with the OS keyring if it was set up that way. The keyring may be slow
/// or absent at login, so this runs on its own thread; failing is normal for vaults that
/// always ask for the password. Either way start-up is over then, and Till hands the
/// memory only start-up used back to the kernel (`crate::working_set`).
pub fn unlock_with_keyring_in_background(app: AppHandle) {
    std::thread::spawn(move || {
        unlock_with_keyring(&app);
        crate::working_set::trim_later(&app, SETTLED_AFTER_UNLOCK, "start-up done");
    });
}

fn unlock_with_keyring(app: &AppHandle) {
    let state = app.state::<AppState>();
    if !Vault::exists(&state.paths) {
        return;
    }
    let opened = Keyring::connect().and_then(|keyring| {
        Vault::open(
            &state.paths,
            Unlock::Keyring(&keyring),
            state.clock.clone(),
            &state.settings,
        )
    });
    match opened {
        Ok(vault) => {
            state.set_unlocked(vault);
            tracing::info!("vault opened with the OS keyring");
            tray::refresh(app);
        }
        Err(error) if error.code() == ErrorCode::PasswordRequired => {
            tracing::info!("vault stays locked until the master password is given");
        }
        Err(error) => tracing::warn!(
            error = %crate::logging::loggable(&error),
            "could not open the vault with the OS keyring"
        ),
    }
}

/// Locks the vault after `auto_lock_after` without a user action.
pub fn start_idle_lock(app: AppHandle) {
    std::thread::spawn(move || loop {
        std::thread::sleep(IDLE_CHECK_EVERY);
        let state = app.state::<AppState>();
        if state.is_unlocked() && state.idle_for() >= state.auto_lock_after {
            state.lock();
            tracing::info!(
                after_secs = state.auto_lock_after.as_secs(),
                "locked after idle time"
            );
            tray::refresh(&app);
        }
    });
}

/// Answers the `till` command while the vault is unlocked, so a password vault needs no
/// second password in a terminal (see `till_core::session`). Kept for the app's life.
pub fn start_session_socket(app: &AppHandle) {
    let handle = app.clone();
    let started =
        till_core::session::SessionServer::start(&app.state::<AppState>().paths, move || {
            handle
                .state::<AppState>()
                .with_open_vault(|vault| Ok(vault.session_key()))
                .and_then(Result::ok)
        });
    match started {
        Ok(server) => {
            app.manage(SessionSocket { _server: server });
        }
        Err(error) => {
            tracing::warn!(code = ?error.code(), "the session socket could not start");
        }
    }
}

/// The session socket, removed when the app exits.
struct SessionSocket {
    _server: till_core::session::SessionServer,
}
