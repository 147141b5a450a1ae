//! Notices the tray menu opening, so the window can load its page while a person looks
//! for Open Till (`crate::windows::prepare_main`): the few hundred milliseconds WebKit
//! needs to start its web process pass while the menu is read, not after the click.
//!
//! On Linux the tray menu is a dbusmenu that libappindicator exports on the session bus.
//! A panel showing it asks `AboutToShow` for the root (id 0), or sends it an "opened"
//! event, or both. Tauri reports neither, so Till puts a filter on the session bus
//! connection libappindicator uses (GDBus keeps one per process): the filter only looks,
//! and passes every message on unchanged.

use std::sync::OnceLock;

use gtk::gio::{self, DBusMessageType};
use gtk::glib::Variant;
use tauri::AppHandle;

const DBUSMENU: &str = "com.canonical.dbusmenu";
/// The menu's root: the whole tray menu, as opposed to a submenu.
const ROOT: i32 = 0;
const OPENED: &str = "opened";

/// The session bus connection the filter is on, held for the app's life.
static SESSION_BUS: OnceLock<gio::DBusConnection> = OnceLock::new();

/// Starts watching for the tray menu opening. Without a session bus there is no tray
/// menu to watch either.
pub fn watch(app: &AppHandle) {
    let connection = match gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "no session bus: the window will not get ready as the tray menu opens");
            return;
        }
    };
    let app = app.clone();
    connection.add_filter(move |_, message, incoming| {
        // Every message on the session bus passes here: the body is read only for
        // dbusmenu calls.
        let opening = incoming
            && message.message_type() == DBusMessageType::MethodCall
            && message.interface().as_deref() == Some(DBUSMENU)
            && opens_root(message.member().as_deref(), message.body().as_ref());
        if opening {
            let handle = app.clone();
            if let Err(error) =
                app.run_on_main_thread(move || crate::windows::prepare_main(&handle))
            {
                tracing::warn!(%error, "could not reach the main thread to get the window ready");
            }
        }
        Some(message.clone())
    });
    let _ = SESSION_BUS.set(connection);
}

/// Whether a dbusmenu call (`member` with its `body`) tells the tray menu's root is
/// opening.
fn opens_root(member: Option<&str>, body: Option<&Variant>) -> bool {
    type Event = (i32, String, Variant, u32);
    let opened = |(id, name, _, _): &Event| *id == ROOT && name == OPENED;
    let Some(body) = body else {
        return false;
    };
    match member {
        Some("AboutToShow") => body.get::<(i32,)>().is_some_and(|(id,)| id == ROOT),
        Some("AboutToShowGroup") => body
            .get::<(Vec<i32>,)>()
            .is_some_and(|(ids,)| ids.contains(&ROOT)),
        Some("Event") => body.get::<Event>().is_some_and(|event| opened(&event)),
        Some("EventGroup") => body
            .get::<(Vec<Event>,)>()
            .is_some_and(|(events,)| events.iter().any(opened)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use gtk::glib::ToVariant;

    use super::*;

    fn event(id: i32, name: &str) -> (i32, String, Variant, u32) {
        (id, name.to_owned(), "".to_variant(), 0)
    }

    #[test]
    fn the_root_opening_is_noticed_however_the_panel_says_it() {
        let cases = [
            ("AboutToShow", (0,).to_variant()),
            ("AboutToShowGroup", (vec![3, 0],).to_variant()),
            ("Event", event(0, "opened").to_variant()),
            (
                "EventGroup",
                (vec![event(2, "closed"), event(0, "opened")],).to_variant(),
            ),
        ];
        for (member, body) in cases {
            assert!(opens_root(Some(member), Some(&body)), "{member} {body}");
        }
    }

    #[test]
    fn submenus_clicks_closes_and_odd_calls_are_not_the_menu_opening() {
        let cases = [
            ("AboutToShow", (7,).to_variant()),
            ("AboutToShowGroup", (vec![3, 7],).to_variant()),
            ("Event", event(7, "opened").to_variant()),
            ("Event", event(0, "closed").to_variant()),
            ("Event", event(0, "clicked").to_variant()),
            ("EventGroup", (vec![event(0, "clicked")],).to_variant()),
            ("GetLayout", (0, -1, Vec::<String>::new()).to_variant()),
            ("AboutToShow", ("0",).to_variant()), // the wrong type
        ];
        for (member, body) in cases {
            assert!(!opens_root(Some(member), Some(&body)), "{member} {body}");
        }
        assert!(!opens_root(Some("AboutToShow"), None), "no body");
        assert!(!opens_root(None, Some(&(0,).to_variant())), "no member");
    }
}
