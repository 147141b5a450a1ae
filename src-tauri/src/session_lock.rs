//! Locking with the desktop session: the vault locks (and a key Till copied leaves the
//! clipboard) when the screen locks and before the computer sleeps, and reminders look
//! again the moment it wakes.
//!
//! Two listeners on D-Bus, each on its own thread with a blocking zbus connection (the
//! zbus the keyring crates already bring):
//! - the session bus: `ActiveChanged(true)` from `org.freedesktop.ScreenSaver` or
//!   `org.gnome.ScreenSaver`;
//! - the system bus (`DBUS_SYSTEM_BUS_ADDRESS` if set, so tests can give a private one):
//!   logind's `PrepareForSleep(true|false)` and the `Lock` signal of this session. The
//!   match rule names `org.freedesktop.login1` as the sender, so the bus itself refuses
//!   look-alikes from other processes.
//!
//! `[lock]` in settings.toml is read again at each signal, so the Settings page's switches
//! apply at once. No bus (a bare X server, a container) just means no listener.

use tauri::{AppHandle, Manager};
use till_core::settings::{SessionEvent, Settings};
use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::MatchRule;

use crate::state::AppState;
use crate::tray;

const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_PATH: &str = "/org/freedesktop/login1";
const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
const LOGIND_SESSION: &str = "org.freedesktop.login1.Session";
const SCREEN_SAVERS: [&str; 2] = ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];

/// Starts both listeners.
pub fn start(app: &AppHandle) {
    let session = app.clone();
    spawn("till-screen-lock", move || listen_session_bus(&session));
    let system = app.clone();
    spawn("till-logind", move || listen_system_bus(&system));
}

fn spawn(name: &str, work: impl FnOnce() + Send + 'static) {
    if let Err(error) = std::thread::Builder::new().name(name.into()).spawn(work) {
        tracing::warn!(%error, "could not start a session-lock listener");
    }
}

/// Which signal this is, if it is one Till acts on. `our_session` is this session's
/// logind object path, when known; without it any session's `Lock` counts (locking too
/// often is the safe side).
pub(crate) fn decode(
    interface: &str,
    member: &str,
    path: &str,
    flag: Option<bool>,
    our_session: Option<&str>,
) -> Option<SessionEvent> {
    match (interface, member, flag) {
        (i, "ActiveChanged", Some(true)) if SCREEN_SAVERS.contains(&i) => {
            Some(SessionEvent::ScreenLocked)
        }
        (LOGIND_MANAGER, "PrepareForSleep", Some(true)) => Some(SessionEvent::Sleeping),
        (LOGIND_MANAGER, "PrepareForSleep", Some(false)) => Some(SessionEvent::Resumed),
        (LOGIND_SESSION, "Lock", _) if our_session.is_none_or(|ours| ours == path) => {
            Some(SessionEvent::SessionLocked)
        }
        _ => None,
    }
}

/// logind's object path for session `id`: sd-bus escapes every byte that is not a
/// letter or digit (and a leading digit) as `_xx`.
pub(crate) fn session_path(id: &str) -> String {
    let mut path = format!("{LOGIND_PATH}/session/");
    for (i, byte) in id.bytes().enumerate() {
        if byte.is_ascii_alphabetic() || (byte.is_ascii_digit() && i > 0) {
            path.push(char::from(byte));
        } else {
            path.push_str(&format!("_{byte:02x}"));
        }
    }
    path
}

/// Acts on one event: lock (per `[lock]`) or, on wake-up, have reminders look again now.
pub(crate) fn handle(app: &AppHandle, event: SessionEvent) {
    let state = app.state::<AppState>();
    if event == SessionEvent::Resumed {
        tracing::info!("resumed from sleep: checking reminders now");
        state.wakeup.poke();
        return;
    }
    // Read now, not at start: the Settings page's switches apply at once.
    let settings = Settings::load(&state.paths)
        .map(|settings| settings.lock)
        .unwrap_or_else(|_| state.settings.lock.clone());
    if !settings.locks_on(event) {
        tracing::info!(
            ?event,
            "session event: locking on it is turned off in [lock]"
        );
        return;
    }
    let was_open = state.lock(); // clears a key Till copied, too
    tracing::info!(?event, was_open, "locked with the session");
    tray::refresh(app);
}

/// The flag a signal carries (`ActiveChanged`, `PrepareForSleep`); `None` for `Lock`.
fn flag_of(message: &zbus::Message) -> Option<bool> {
    message.body().deserialize::<bool>().ok()
}

/// Follows `rule` on `connection` until the bus goes away, handing each decoded event on;
/// says `listening` once the bus has the rule (so a signal from then on is heard).
fn follow(
    app: &AppHandle,
    connection: &Connection,
    rule: MatchRule<'_>,
    our_session: Option<&str>,
    listening: &str,
) -> zbus::Result<()> {
    let messages = MessageIterator::for_match_rule(rule, connection, Some(16))?;
    tracing::info!("{listening}");
    for message in messages {
        let message = message?;
        let header = message.header();
        let field = |value: Option<&str>| value.unwrap_or_default().to_owned();
        let interface = field(header.interface().map(|i| i.as_str()));
        let member = field(header.member().map(|m| m.as_str()));
        let path = field(header.path().map(|p| p.as_str()));
        if let Some(event) = decode(&interface, &member, &path, flag_of(&message), our_session) {
            handle(app, event);
        }
    }
    Ok(())
}

fn listen_session_bus(app: &AppHandle) {
    let followed = Connection::session().and_then(|connection| {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .member("ActiveChanged")?
            .build();
        let listening = "locking when the screen locks: listening on the session bus";
        follow(app, &connection, rule, None, listening)
    });
    if let Err(error) = followed {
        tracing::info!(%error, "no screen-lock signals (no session bus)");
    }
}

fn listen_system_bus(app: &AppHandle) {
    let followed = Connection::system().and_then(|connection| {
        let our_session = our_session_path(&connection);
        if our_session.is_none() {
            tracing::info!("this session's logind id is unknown: any session's Lock locks");
        }
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .sender(LOGIND)?
            .path_namespace(LOGIND_PATH)?
            .build();
        let listening = "locking with logind (lock, sleep): listening on the system bus";
        follow(app, &connection, rule, our_session.as_deref(), listening)
    });
    if let Err(error) = followed {
        tracing::info!(%error, "no logind signals (no system bus)");
    }
}

/// This session's logind object path: from `XDG_SESSION_ID`, else by asking logind for
/// the session of this process; `None` when neither answers.
fn our_session_path(connection: &Connection) -> Option<String> {
    if let Some(id) = std::env::var("XDG_SESSION_ID")
        .ok()
        .filter(|id| !id.is_empty())
    {
        return Some(session_path(&id));
    }
    let reply = connection
        .call_method(
            Some(LOGIND),
            LOGIND_PATH,
            Some(LOGIND_MANAGER),
            "GetSessionByPID",
            &std::process::id(),
        )
        .ok()?;
    let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize().ok()?;
    Some(path.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "/org/freedesktop/login1/session/c7";

    #[test]
    fn screen_savers_lock_only_when_they_come_on() {
        for interface in SCREEN_SAVERS {
            let on = decode(interface, "ActiveChanged", "/ScreenSaver", Some(true), None);
            assert_eq!(on, Some(SessionEvent::ScreenLocked));
            let off = decode(
                interface,
                "ActiveChanged",
                "/ScreenSaver",
                Some(false),
                None,
            );
            assert_eq!(off, None);
        }
        assert_eq!(
            decode("org.example.Other", "ActiveChanged", "/", Some(true), None),
            None
        );
    }

    #[test]
    fn logind_sleep_wake_and_our_sessions_lock() {
        let manager = |flag| decode(LOGIND_MANAGER, "PrepareForSleep", LOGIND_PATH, flag, None);
        assert_eq!(manager(Some(true)), Some(SessionEvent::Sleeping));
        assert_eq!(manager(Some(false)), Some(SessionEvent::Resumed));
        let lock = |path, ours| decode(LOGIND_SESSION, "Lock", path, None, ours);
        assert_eq!(lock(OURS, Some(OURS)), Some(SessionEvent::SessionLocked));
        assert_eq!(lock("/org/freedesktop/login1/session/c8", Some(OURS)), None);
        assert_eq!(lock(OURS, None), Some(SessionEvent::SessionLocked));
        assert_eq!(decode(LOGIND_SESSION, "Unlock", OURS, None, None), None);
    }

    #[test]
    fn session_ids_are_escaped_as_logind_does() {
        assert_eq!(session_path("c7"), OURS);
        assert_eq!(session_path("2"), "/org/freedesktop/login1/session/_32");
        assert_eq!(session_path("12"), "/org/freedesktop/login1/session/_312");
        assert_eq!(session_path("a-b"), "/org/freedesktop/login1/session/a_2db");
    }
}
