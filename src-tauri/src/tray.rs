//! The tray icon and its menu: Till's home when no window is open.

use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use till_core::VaultState;

use crate::state::AppState;
use crate::windows;

/// The tray icon's id.
const TRAY_ID: &str = "till";

/// Menu item ids; also what tests click over D-Bus (`dbusmenu`).
mod item {
    pub const OPEN: &str = "open";
    pub const LOCK: &str = "lock";
    pub const QUIT: &str = "quit";
}

/// What the tray icon shows at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayLook {
    /// All good (or nothing set up yet).
    Normal,
    /// Something is due.
    #[expect(dead_code, reason = "shown once reminders exist (issue 4)")]
    Attention,
    /// The vault is locked.
    Locked,
}

impl TrayLook {
    fn from_vault(vault: VaultState) -> Self {
        match vault {
            VaultState::Locked => Self::Locked,
            VaultState::Absent | VaultState::Unlocked => Self::Normal,
        }
    }

    fn icon(self) -> tauri::Result<Image<'static>> {
        let bytes: &'static [u8] = match self {
            Self::Normal => include_bytes!("../../icons/tray/till-tray.png"),
            Self::Attention => include_bytes!("../../icons/tray/till-tray-attention.png"),
            Self::Locked => include_bytes!("../../icons/tray/till-tray-locked.png"),
        };
        Image::from_bytes(bytes)
    }

    fn tooltip(self) -> &'static str {
        match self {
            Self::Normal => "Till",
            Self::Attention => "Till: keys need attention",
            Self::Locked => "Till: locked",
        }
    }
}

/// Menu items whose state follows the vault's.
struct TrayItems {
    lock: MenuItem<Wry>,
}

/// Builds the tray icon with its menu. Lock is enabled only while a vault is open.
pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let vault = app.state::<AppState>().status().vault;
    let look = TrayLook::from_vault(vault);

    let open = MenuItem::with_id(app, item::OPEN, "Open Till", true, None::<&str>)?;
    let lock = MenuItem::with_id(
        app,
        item::LOCK,
        "Lock",
        vault == VaultState::Unlocked,
        None::<&str>,
    )?;
    app.manage(TrayItems { lock: lock.clone() });
    let quit = MenuItem::with_id(app, item::QUIT, "Quit", true, None::<&str>)?;
    let menu: Menu<Wry> = Menu::with_items(app, &[&open, &lock, &quit])?;

    TrayIconBuilder::with_id(TRAY_ID)
        .icon(look.icon()?)
        .tooltip(look.tooltip())
        .title("Till")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu_event)
        .build(app)?;
    Ok(())
}

/// Brings the icon, tooltip and Lock item in line with the vault's state.
pub fn refresh(app: &AppHandle) {
    let vault = app.state::<AppState>().status().vault;
    let look = TrayLook::from_vault(vault);
    if let Some(items) = app.try_state::<TrayItems>() {
        if let Err(error) = items.lock.set_enabled(vault == VaultState::Unlocked) {
            tracing::warn!(%error, "could not update the tray's Lock item");
        }
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let result = look
            .icon()
            .and_then(|icon| tray.set_icon(Some(icon)))
            .and_then(|()| tray.set_tooltip(Some(look.tooltip())));
        if let Err(error) = result {
            tracing::warn!(%error, "could not update the tray icon");
        }
    }
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        item::OPEN => windows::show_main(app),
        item::LOCK => {
            app.state::<AppState>().lock();
            tracing::info!("locked from the tray");
            refresh(app);
        }
        item::QUIT => {
            tracing::info!("quit from the tray");
            app.exit(0);
        }
        other => tracing::warn!(id = other, "unknown tray menu item"),
    }
}
