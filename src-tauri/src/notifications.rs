//! Desktop notifications for reminders and tray copies, and what their buttons do.
//!
//! One reminder is one notification with the actions that fit it (Start rotation, Mark
//! audited, Snooze 1 day); clicking it opens that key. A digest stands in for a burst and
//! opens the list of what is due. A copy from the tray says which key and why, and a copy
//! that only a broader key can serve asks first ("Copy anyway"), since a tray menu cannot.
//! A vault key found written in a file names the key and the place, and starts its
//! leaked-key runbook.
//! Notifications carry names, scopes and dates, never values. A
//! missing notification daemon is logged (once) and the reminders stay unannounced, so
//! they appear when one is back.

use std::sync::atomic::{AtomicBool, Ordering};

use notify_rust::{Notification, Urgency};
use tauri::{AppHandle, Manager};
use till_core::reminders::{DueItem, DueKind, DueState, Notice};
use till_core::vault::{CopyPlan, CopyRequest, RotationInput};

use crate::copying::Copied;
use crate::route::{KeyPanel, Route};
use crate::state::AppState;
use crate::windows;

/// Action ids, as the notification server reports them back (and tests pick them).
mod action {
    pub const OPEN: &str = "default";
    pub const ROTATE: &str = "rotate";
    pub const AUDITED: &str = "audited";
    pub const SNOOZE: &str = "snooze";
    pub const COPY_ANYWAY: &str = "copy_anyway";
    pub const RAISE_CAP: &str = "raise_cap";
    pub const REVOKE: &str = "revoke";
    pub const LEAK_RUNBOOK: &str = "leak_runbook";
}

/// How long "Snooze" holds a key's reminders.
const SNOOZE_FOR: chrono::Duration = chrono::Duration::days(1);

/// Whether the last attempt failed (so a missing daemon is logged once, not every wake).
static DAEMON_MISSING: AtomicBool = AtomicBool::new(false);

/// Raises every notice; false if any could not be shown.
pub fn raise_all(app: &AppHandle, notices: &[Notice]) -> bool {
    notices.iter().all(|notice| raise(app, notice))
}

fn raise(app: &AppHandle, notice: &Notice) -> bool {
    let mut notification = Notification::new();
    notification.summary(&notice.summary()).body(&notice.body());
    let item = match notice {
        Notice::One(item) => {
            notification.action(action::OPEN, "Open");
            match item.kind {
                DueKind::Rotation | DueKind::Expiry => {
                    notification.action(action::ROTATE, "Start rotation")
                }
                DueKind::Audit => notification.action(action::AUDITED, "Mark audited"),
            };
            notification.action(action::SNOOZE, "Snooze 1 day");
            if matches!(item.state, DueState::Overdue | DueState::Expired) {
                notification.urgency(Urgency::Critical);
            }
            Some(item.clone())
        }
        Notice::Digest(_) => {
            notification.action(action::OPEN, "Open Till");
            None
        }
    };
    let app = app.clone();
    show(&mut notification, move |id| {
        on_action(&app, item.as_ref(), id)
    })
}

/// Shows a notification and follows its buttons with `on_action` on a small thread of
/// its own (waiting for a click blocks). Returns false if no server took it.
fn show(notification: &mut Notification, on_action: impl FnOnce(&str) + Send + 'static) -> bool {
    notification.appname("Till").icon("dialog-password");
    match notification.show() {
        Ok(handle) => {
            if DAEMON_MISSING.swap(false, Ordering::Relaxed) {
                tracing::info!("notifications work again");
            }
            // The summary names the key: the log gets the notification's id only.
            tracing::info!(id = handle.id(), "notification shown");
            let (id, summary, body) = (
                handle.id(),
                notification.summary.clone(),
                notification.body.clone(),
            );
            let waiting = std::thread::Builder::new()
                .name("till-notification".into())
                .spawn(move || {
                    let mut acted = false;
                    handle.wait_for_action(|action| {
                        acted = action != CLOSED;
                        on_action(action);
                    });
                    if acted {
                        dismiss(id, &summary, &body);
                    }
                });
            if let Err(error) = waiting {
                tracing::warn!(%error, "cannot follow the notification's buttons");
            }
            true
        }
        Err(error) => {
            if !DAEMON_MISSING.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    %error,
                    "no desktop notifications (is a notification daemon running?); \
                     reminders stay in the tray and are shown when notifications work"
                );
            }
            false
        }
    }
}

/// Raises one agent alert: what was seen, in numbers, with **Revoke** and **Open** (and
/// **Raise cap…** for a cap; a key already revoked, used after its `till run` ended,
/// gets **Open** only). Quiet hours do not hold it: an agent spends meanwhile. The
/// grant's label is shown only while the vault is unlocked. Returns whether it showed.
pub fn agent_alert(app: &AppHandle, alert: &till_core::agents::alerts::Alert, named: bool) -> bool {
    let mut notification = Notification::new();
    notification
        .summary(&alert.summary(named))
        .body(&alert.body())
        .action(action::OPEN, "Open");
    if alert.offers_raise() {
        notification.action(action::RAISE_CAP, "Raise cap…");
    }
    if alert.offers_revoke() {
        notification.action(action::REVOKE, "Revoke");
    }
    notification.urgency(if alert.is_exhausted() {
        Urgency::Critical
    } else {
        Urgency::Normal
    });
    let app = app.clone();
    let grant_id = alert.grant_id.clone();
    show(&mut notification, move |id| match id {
        action::REVOKE => match crate::agents::revoke(&app, &grant_id) {
            Ok(_) => tracing::info!("agent key revoked from its alert"),
            Err(error) => {
                tracing::warn!(code = ?error.code(), "could not revoke the agent key");
                crate::agents::show(&app, Some(&grant_id));
            }
        },
        action::OPEN => crate::agents::show(&app, Some(&grant_id)),
        action::RAISE_CAP => {
            crate::agents::show_at(&app, crate::agents::AgentRoute::RaiseCaps { id: grant_id })
        }
        _ => {}
    })
}

/// A vault key found written in a file: "Stripe prod is in ~/code/shop/.env:3", with
/// **Start leaked-key runbook** (audited, opens the runbook on that key) and **Open**
/// (the Leaks view). Quiet hours do not hold it: a leaked key is in use meanwhile.
pub fn leak_found(app: &AppHandle, name: String, place: String) -> bool {
    let mut notification = Notification::new();
    notification
        .summary(&format!("{name} is in {place}"))
        .body("Its value is written in a file in a watched folder: treat it as leaked.")
        .action(action::OPEN, "Open")
        .action(action::LEAK_RUNBOOK, "Start leaked-key runbook")
        .urgency(Urgency::Critical);
    let app = app.clone();
    show(&mut notification, move |id| match id {
        action::LEAK_RUNBOOK => crate::leaks::start_runbook(&app, &name, Some(&place)),
        action::OPEN => windows::show_at(&app, Route::Leaks),
        _ => {}
    })
}

/// More vault keys found in one rescan than are announced one by one.
pub fn more_leaks_found(app: &AppHandle, more: usize) -> bool {
    let mut notification = Notification::new();
    notification
        .summary(&match more {
            1 => "1 more vault key found in a file".to_owned(),
            n => format!("{n} more vault keys found in files"),
        })
        .body("Open the Leaks view to see where, and start each key's runbook.")
        .action(action::OPEN, "Open")
        .urgency(Urgency::Critical);
    let app = app.clone();
    show(&mut notification, move |id| {
        if id == action::OPEN {
            windows::show_at(&app, Route::Leaks);
        }
    })
}

/// Says what "Stop all agents" did.
pub fn agents_stopped(count: usize) {
    let mut notification = Notification::new();
    notification
        .summary("Agents stopped")
        .body(&match count {
            0 => "No agent key was active.".to_owned(),
            1 => "1 agent key revoked: its next request is refused.".to_owned(),
            n => format!("{n} agent keys revoked: their next requests are refused."),
        })
        .urgency(Urgency::Low);
    show(&mut notification, |_| {});
}

/// Says what a copy from the tray did: which key and why, and when it clears.
pub fn copied(copied: &Copied) {
    let mut notification = Notification::new();
    notification
        .summary(&format!("Copied '{}'", copied.key_name))
        .body(&format!(
            "{}. The clipboard clears in {} s.",
            copied.why, copied.clear_after_seconds
        ))
        .urgency(Urgency::Low);
    show(&mut notification, |_| {});
}

/// Says that a clipboard manager keeps copied keys, and how to stop it; whether it was
/// shown (so it is remembered as said only then).
pub fn clipboard_manager(name: &str, advice: &str) -> bool {
    let mut notification = Notification::new();
    notification
        .summary(&format!("{name} keeps the keys Till copies"))
        .body(advice)
        .urgency(Urgency::Normal);
    show(&mut notification, |_| {})
}

/// Says why a copy from the tray did not happen.
pub fn copy_failed(message: &str) {
    let mut notification = Notification::new();
    notification.summary("Nothing copied").body(message);
    show(&mut notification, |_| {});
}

/// Asks before copying a key broader than the request (the tray cannot ask itself):
/// "Copy anyway" copies and records an over-privileged use; "Open" shows the key.
pub fn confirm_broader(app: &AppHandle, request: CopyRequest, plan: &CopyPlan) {
    let mut notification = Notification::new();
    notification
        .summary(&format!(
            "Only a broader key covers {}",
            plan.asked.join(", ")
        ))
        .body(&format!("{}.", plan.why))
        .action(action::OPEN, "Open")
        .action(action::COPY_ANYWAY, "Copy anyway");
    let app = app.clone();
    let key_name = plan.key_name.clone();
    show(&mut notification, move |id| match id {
        action::COPY_ANYWAY => match crate::copying::copy(&app, &request, true) {
            Ok(done) => copied(&done),
            Err(error) => copy_failed(&error.message),
        },
        action::OPEN => windows::show_at(
            &app,
            Route::Key {
                name: key_name,
                panel: None,
            },
        ),
        _ => {}
    });
}

/// What the server reports when a notification is closed without an action.
const CLOSED: &str = "__closed";

/// Takes a notification off the screen once its button did its job. Servers that keep
/// notifications after an action (dunst) would otherwise leave a stale button; the handle
/// was spent waiting, so the notification is replaced by id (same text, for the
/// server's history) and closed.
fn dismiss(id: u32, summary: &str, body: &str) {
    match Notification::new()
        .id(id)
        .appname("Till")
        .summary(summary)
        .body(body)
        .show()
    {
        Ok(handle) => handle.close(),
        Err(error) => tracing::debug!(%error, "could not close the notification"),
    }
}

/// What a click on a notification or one of its buttons does.
fn on_action(app: &AppHandle, item: Option<&DueItem>, id: &str) {
    let Some(item) = item else {
        if id == action::OPEN {
            windows::show_at(app, Route::Due);
        }
        return;
    };
    let state = app.state::<AppState>();
    let name = state
        .with_open_vault(|vault| {
            Ok(vault
                .keys()
                .iter()
                .find(|k| k.id == item.key_id)
                .map(|k| k.name.clone()))
        })
        .and_then(Result::ok)
        .flatten()
        .unwrap_or_else(|| item.name.clone());
    let open = |panel| {
        windows::show_at(
            app,
            Route::Key {
                name: name.clone(),
                panel,
            },
        );
    };
    let result = match id {
        action::OPEN => {
            // An audit reminder opens straight into the review.
            open((item.kind == DueKind::Audit).then_some(KeyPanel::Audit));
            Ok(())
        }
        action::ROTATE => {
            let started =
                state.with_vault(|vault| vault.rotation().step(&name, RotationInput::Start));
            open(Some(KeyPanel::Rotation));
            started.map(drop)
        }
        action::AUDITED => state
            .with_vault(|vault| {
                vault
                    .reminders()
                    .mark_audited(&name, Some("from the reminder notification"))
            })
            .map(drop),
        action::SNOOZE => {
            let until = state.clock.now() + SNOOZE_FOR;
            state
                .with_vault(|vault| vault.reminders().snooze(&name, until))
                .map(drop)
        }
        // Closed or dismissed: nothing to do.
        _ => return,
    };
    match result {
        Ok(()) => tracing::info!(action = id, "reminder action taken"),
        Err(error) => {
            tracing::warn!(action = id, code = ?error.code, "reminder action failed");
            // Most likely locked: the window lets the person unlock and carry on.
            open(None);
        }
    }
}
