//! The tray icon and its menu: Till's home when no window is open.
//!
//! The icon says locked, all good or attention at a glance; the "Due (N)" submenu lists
//! the keys past a deadline, and a click opens that key. While locked the tray knows only
//! how many keys are due (from the vault's plaintext due times), never which. "Copy key"
//! lists pinned keys, recent copies and saved purposes, as core's `shortlist` orders and
//! labels them. "Agents (N active)" lists active agent keys with their spend (core's
//! `agents::menu`) and "Stop all agents"; with agents active, Quit asks first. The menu is
//! rebuilt whenever the scheduler or the agent watcher looks again, so it always matches the vault.

use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use till_core::agents::menu::{self as agents_menu, AgentsMenu};
use till_core::reminders::{DueItem, DueState};
use till_core::shortlist;
use till_core::vault::CopyRequest;
use till_core::VaultState;

use crate::agents::{self, AgentsHost};
use crate::copying;
use crate::notifications;
use crate::route::Route;
use crate::state::{AppState, CopyMenu, DueSummary};
use crate::windows;

/// The tray icon's id.
const TRAY_ID: &str = "till";

/// Menu item ids; also what tests click over D-Bus (`dbusmenu`).
mod item {
    pub const OPEN: &str = "open";
    pub const LOCK: &str = "lock";
    pub const QUIT: &str = "quit";
    pub const DUE_ALL: &str = "due";
    pub const DUE_NONE: &str = "due-none";
    /// Followed by the key's name.
    pub const DUE_KEY: &str = "due-key:";
    // Copy entries' ids come from core (`shortlist::COPY_KEY_ID`, `COPY_PURPOSE_ID`).
    pub const COPY_NONE: &str = "copy-none";
    pub const QUIT_NOTE: &str = "quit-note";
}

/// What the tray icon shows at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayLook {
    /// All good (or nothing set up yet).
    Normal,
    /// Something is due, overdue or expired.
    Attention,
    /// The vault is locked.
    Locked,
}

impl TrayLook {
    fn icon(self) -> tauri::Result<Image<'static>> {
        let bytes: &'static [u8] = match self {
            Self::Normal => include_bytes!("../../icons/tray/till-tray.png"),
            Self::Attention => include_bytes!("../../icons/tray/till-tray-attention.png"),
            Self::Locked => include_bytes!("../../icons/tray/till-tray-locked.png"),
        };
        Image::from_bytes(bytes)
    }
}

/// The tray's state, worked out from the vault and the scheduler's last look.
struct TrayView {
    vault: VaultState,
    look: TrayLook,
    /// Keys past a deadline (names only while unlocked).
    due: Vec<DueItem>,
    due_count: usize,
    upcoming: usize,
    copy: CopyMenu,
    /// "Agents (N active)": core's entries for the active agent keys.
    agents: AgentsMenu,
}

impl TrayView {
    fn gather(state: &AppState, host: &AgentsHost) -> Self {
        let vault = state.status().vault;
        let mut copy = CopyMenu::default();
        let (due, due_count, upcoming) = match (vault, state.due_summary()) {
            (VaultState::Unlocked, DueSummary::Open { items, copy: menu }) => {
                copy = menu;
                let upcoming = items
                    .iter()
                    .filter(|i| i.state == DueState::Upcoming)
                    .count();
                let due: Vec<DueItem> = items
                    .into_iter()
                    .filter(|i| i.state.needs_attention())
                    .collect();
                let count = due.len();
                (due, count, upcoming)
            }
            (VaultState::Locked, DueSummary::Locked { due }) => (Vec::new(), due, 0),
            _ => (Vec::new(), 0, 0),
        };
        let look = match vault {
            VaultState::Locked => TrayLook::Locked,
            _ if due_count > 0 => TrayLook::Attention,
            _ => TrayLook::Normal,
        };
        Self {
            vault,
            look,
            due,
            due_count,
            upcoming,
            copy,
            agents: host.menu(vault == VaultState::Unlocked),
        }
    }

    /// What the menu shows, to rebuild it only when that changes: a new menu makes the
    /// panel re-read it (and some re-register the item), so unchanged ticks leave it be.
    fn menu_signature(&self) -> String {
        let names: Vec<&str> = self.due.iter().map(|d| d.headline.as_str()).collect();
        let copy: Vec<String> = self
            .copy
            .iter()
            .map(|e| format!("{}={}", e.id, e.label))
            .collect();
        let agents: Vec<String> = self
            .agents
            .entries
            .iter()
            .map(|e| format!("{}={}", e.id, e.label))
            .collect();
        format!(
            "{:?}|{}|{}|{}|{}|{}",
            self.vault,
            self.due_count,
            self.upcoming,
            names.join("\n"),
            copy.join("\n"),
            agents.join("\n")
        )
    }

    fn tooltip(&self) -> String {
        let counts = match (self.due_count, self.upcoming) {
            (0, 0) => "nothing due".to_owned(),
            (due, 0) => format!("{due} due"),
            (0, upcoming) => format!("{upcoming} coming up"),
            (due, upcoming) => format!("{due} due, {upcoming} coming up"),
        };
        match self.vault {
            VaultState::Locked => format!("Till: locked, {counts}"),
            VaultState::Absent => "Till: no vault yet".to_owned(),
            VaultState::Unlocked => format!("Till: {counts}"),
        }
    }

    /// The "Due (N)" submenu's entries.
    fn due_entries(&self, app: &AppHandle) -> tauri::Result<Vec<MenuItem<Wry>>> {
        let entry = |id: String, label: String, enabled: bool| {
            MenuItem::with_id(app, id, label, enabled, None::<&str>)
        };
        Ok(match self.vault {
            VaultState::Locked if self.due_count > 0 => {
                let text = match self.due_count {
                    1 => "1 key is due: unlock to see which".to_owned(),
                    n => format!("{n} keys are due: unlock to see which"),
                };
                vec![entry(item::DUE_NONE.into(), text, false)?]
            }
            VaultState::Unlocked if !self.due.is_empty() => {
                let mut entries = self
                    .due
                    .iter()
                    .map(|due| {
                        let id = format!("{}{}", item::DUE_KEY, due.name);
                        entry(id, due.headline.clone(), true)
                    })
                    .collect::<tauri::Result<Vec<_>>>()?;
                entries.push(entry(
                    item::DUE_ALL.into(),
                    "Show everything due…".into(),
                    true,
                )?);
                entries
            }
            _ => vec![entry(
                item::DUE_NONE.into(),
                "Nothing is due".into(),
                false,
            )?],
        })
    }

    /// "Copy key": the entries core listed, or a hint when there are none.
    fn copy_entries(&self, app: &AppHandle) -> tauri::Result<Vec<MenuItem<Wry>>> {
        if self.copy.is_empty() {
            let hint = shortlist::copy_menu_hint(self.vault == VaultState::Unlocked);
            return Ok(vec![MenuItem::with_id(
                app,
                item::COPY_NONE,
                hint,
                false,
                None::<&str>,
            )?]);
        }
        self.copy
            .iter()
            .map(|e| MenuItem::with_id(app, e.id.as_str(), e.label.as_str(), true, None::<&str>))
            .collect()
    }

    fn due_label(&self) -> String {
        format!("Due ({})", self.due_count)
    }

    fn menu(&self, app: &AppHandle) -> tauri::Result<Menu<Wry>> {
        let open = MenuItem::with_id(app, item::OPEN, "Open Till", true, None::<&str>)?;
        let unlocked = self.vault == VaultState::Unlocked;
        let lock = MenuItem::with_id(app, item::LOCK, "Lock", unlocked, None::<&str>)?;
        let agents = Submenu::with_items(
            app,
            self.agents.title.as_str(),
            true,
            &as_refs(
                &self
                    .agents
                    .entries
                    .iter()
                    .map(|e| {
                        MenuItem::with_id(
                            app,
                            e.id.as_str(),
                            e.label.as_str(),
                            e.enabled,
                            None::<&str>,
                        )
                    })
                    .collect::<tauri::Result<Vec<_>>>()?,
            ),
        )?;
        let quit = self.quit_item(app)?;
        let copy = Submenu::with_items(app, "Copy key", true, &as_refs(&self.copy_entries(app)?))?;
        let due = Submenu::with_items(
            app,
            self.due_label(),
            true,
            &as_refs(&self.due_entries(app)?),
        )?;
        Menu::with_items(app, &[&open, &copy, &due, &agents, &lock, quit.as_ref()])
    }

    /// "Quit", or with active agent keys a "Quit…" that says first that quitting stops
    /// the gateway (and so every agent using it), then confirms.
    fn quit_item(&self, app: &AppHandle) -> tauri::Result<Box<dyn IsMenuItem<Wry>>> {
        if self.agents.active == 0 {
            return Ok(Box::new(MenuItem::with_id(
                app,
                item::QUIT,
                "Quit",
                true,
                None::<&str>,
            )?));
        }
        let warning = match self.agents.active {
            1 => "1 agent key is active: quitting stops the gateway it uses".to_owned(),
            n => format!("{n} agent keys are active: quitting stops the gateway they use"),
        };
        let note = MenuItem::with_id(app, item::QUIT_NOTE, warning, false, None::<&str>)?;
        let confirm = MenuItem::with_id(
            app,
            item::QUIT,
            "Quit and stop the gateway",
            true,
            None::<&str>,
        )?;
        Ok(Box::new(Submenu::with_items(
            app,
            "Quit…",
            true,
            &[&note, &confirm],
        )?))
    }

    /// Hands the icon, tooltip and a new menu to the tray.
    fn apply(&self, app: &AppHandle, tray: &tauri::tray::TrayIcon) -> tauri::Result<()> {
        tray.set_icon(Some(self.look.icon()?))?;
        tray.set_tooltip(Some(self.tooltip()))?;
        tray.set_menu(Some(self.menu(app)?))
    }
}

fn as_refs(items: &[MenuItem<Wry>]) -> Vec<&dyn IsMenuItem<Wry>> {
    items.iter().map(|i| i as &dyn IsMenuItem<Wry>).collect()
}

/// The signature of the menu last handed to the tray.
struct ShownMenu(std::sync::Mutex<String>);

/// A menu replaced right after the tray item registers can be missed by the panel
/// (libappindicator re-exports it while registering); handing it over once more a moment
/// later settles it.
const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Builds the tray icon with its menu.
pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let view = TrayView::gather(&app.state::<AppState>(), &app.state::<AgentsHost>());
    app.manage(ShownMenu(std::sync::Mutex::new(view.menu_signature())));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(view.look.icon()?)
        .tooltip(view.tooltip())
        .title("Till")
        .menu(&view.menu(app)?)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu_event)
        .build(app)?;
    Ok(())
}

/// Brings the icon, tooltip and menu in line with the vault and what is due. Runs on the
/// main thread, so updates from the scheduler, the idle timer and commands never
/// interleave (a stale menu could otherwise land last).
pub fn refresh(app: &AppHandle) {
    let handle = app.clone();
    if let Err(error) = app.run_on_main_thread(move || refresh_now(&handle, false)) {
        tracing::warn!(%error, "could not schedule a tray update");
    }
}

fn refresh_now(app: &AppHandle, settling: bool) {
    let view = TrayView::gather(&app.state::<AppState>(), &app.state::<AgentsHost>());
    let (Some(tray), Some(shown)) = (app.tray_by_id(TRAY_ID), app.try_state::<ShownMenu>()) else {
        return;
    };
    let signature = view.menu_signature();
    {
        let mut shown = shown.0.lock().unwrap_or_else(|p| p.into_inner());
        if *shown == signature && !settling {
            return;
        }
        *shown = signature;
    }
    match view.apply(app, &tray) {
        Ok(()) => {
            tracing::debug!(look = ?view.look, due = view.due_count, settling, "tray updated")
        }
        Err(error) => tracing::warn!(%error, "could not update the tray"),
    }
    if !settling {
        let handle = app.clone();
        std::thread::spawn(move || {
            std::thread::sleep(SETTLE_AFTER);
            let app = handle.clone();
            let _ = handle.run_on_main_thread(move || refresh_now(&app, true));
        });
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
        item::DUE_ALL => windows::show_at(app, Route::Due),
        agents_menu::STOP_ALL_ID => {
            let app = app.clone();
            std::thread::spawn(move || match agents::revoke_all(&app) {
                Ok(count) => {
                    tracing::info!(count, "stopped all agents from the tray");
                    notifications::agents_stopped(count);
                }
                Err(error) => tracing::warn!(code = ?error.code(), "could not stop the agents"),
            });
        }
        other => {
            if let Some(name) = other.strip_prefix(item::DUE_KEY) {
                let name = name.to_owned();
                windows::show_at(app, Route::Key { name, panel: None });
            } else if other.starts_with(agents_menu::AGENT_ID) {
                agents::show(app, agents_menu::grant_for(other));
            } else if let Some(request) = shortlist::copy_request_for(other) {
                copy_from_tray(app, request);
            } else {
                tracing::warn!(id = other, "unknown tray menu item");
            }
        }
    }
}

/// Copies from a tray click, off the main thread. A broader key is only offered (a
/// notification asks); anything else is copied and said in a notification.
fn copy_from_tray(app: &AppHandle, request: CopyRequest) {
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        match copying::plan(&state, &request) {
            Ok(plan) if plan.broader => notifications::confirm_broader(&app, request, &plan),
            Ok(_) => match copying::copy(&app, &request, false) {
                Ok(done) => notifications::copied(&done),
                Err(error) => notifications::copy_failed(&error.message),
            },
            Err(error) if error.code == till_core::ErrorCode::Locked => windows::show_main(&app),
            Err(error) => notifications::copy_failed(&error.message),
        }
    });
}
