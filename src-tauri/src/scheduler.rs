//! The reminder scheduler: one thread that sleeps until the next deadline changes stage.
//!
//! Each wake asks the core for a plan (what to announce, when to wake next), raises the
//! notifications, records them in the vault's ledger and refreshes the tray. It wakes
//! early when poked (unlock, lock, any change to the vault) and notices a suspend/resume
//! or a clock change by comparing the wall clock with the monotonic one on a short timer
//! check, which costs nothing when nothing changed. The ledger, not the timer, is what
//! guarantees a reminder is neither lost nor repeated.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tauri::{AppHandle, Manager};
use till_core::shortlist;
use till_core::vault::{due_while_locked, Vault};

use crate::notifications;
use crate::state::{AppState, DueSummary};
use crate::tray;

/// The longest sleep between looks at the wall clock (resume and clock-change detection).
const CLOCK_CHECK_EVERY: Duration = Duration::from_secs(60);
/// A wall clock that moved this much more (or less) than the monotonic clock jumped.
const JUMP: Duration = Duration::from_secs(5);
/// When notifications cannot be shown (no daemon), try again after this long.
const RETRY_NOTIFY_AFTER: Duration = Duration::from_secs(300);

/// Starts the scheduler thread.
pub fn start(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("till-reminders".into())
        .spawn(move || run(&app));
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the reminder scheduler");
    }
}

fn run(app: &AppHandle) {
    let state = app.state::<AppState>();
    let mut next_wake: Option<DateTime<Utc>> = None;
    let mut look_now = true;
    loop {
        let now = state.clock.now();
        if look_now || next_wake.is_some_and(|at| at <= now) {
            next_wake = tick(app, now);
        }
        let until_next = next_wake
            .and_then(|at| (at - now).to_std().ok())
            .unwrap_or(CLOCK_CHECK_EVERY);
        let sleep = until_next.clamp(Duration::from_millis(200), CLOCK_CHECK_EVERY);
        let (wall_before, monotonic_before) = (state.clock.now(), Instant::now());
        let poked = state.wakeup.wait(sleep);
        let jumped = !state.clock.is_fixed() && {
            let wall = (state.clock.now() - wall_before)
                .to_std()
                .unwrap_or_default();
            wall.abs_diff(monotonic_before.elapsed()) > JUMP
        };
        if jumped {
            tracing::info!("the clock jumped or the computer resumed: checking reminders");
        }
        look_now = poked || jumped;
    }
}

/// One look: plan, notify, record, refresh the tray. Returns when to look next.
fn tick(app: &AppHandle, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let state = app.state::<AppState>();
    let Some(planned) = state.with_open_vault(|vault| vault.reminders().plan()) else {
        if !Vault::exists(&state.paths) {
            state.set_due_summary(DueSummary::Unknown);
            tray::refresh(app);
            return None;
        }
        // Locked: count from the plaintext index, and look again when the next key falls
        // due, so the count stays right; reminders wait for the unlock.
        let locked = due_while_locked(&state.paths, now).unwrap_or_else(|error| {
            tracing::warn!(error = %crate::logging::loggable(&error), "could not count due keys while locked");
            Default::default()
        });
        tracing::debug!(due = locked.due, "checked while locked");
        state.set_due_summary(DueSummary::Locked { due: locked.due });
        tray::refresh(app);
        return locked.next_due_at;
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(error) => {
            tracing::warn!(error = %crate::logging::loggable(&error), "could not work out what is due");
            return None;
        }
    };
    let mut next_wake = plan.next_wake;
    if !plan.notices.is_empty() {
        if notifications::raise_all(app, &plan.notices) {
            let recorded =
                state.with_open_vault(|vault| vault.reminders().record_announced(&plan.announced));
            if let Some(Err(error)) = recorded {
                tracing::warn!(error = %crate::logging::loggable(&error), "could not record the reminders shown");
            }
        } else {
            let retry = now + chrono::Duration::from_std(RETRY_NOTIFY_AFTER).unwrap_or_default();
            next_wake = Some(next_wake.map_or(retry, |at| at.min(retry)));
        }
    }
    if plan.quiet {
        tracing::info!(until = ?plan.next_wake, "quiet hours: reminders wait");
    }
    let copy = state
        .with_open_vault(|vault| {
            let purposes = vault.copies().purposes()?;
            Ok(shortlist::copy_menu(
                vault.keys(),
                &purposes,
                shortlist::RECENT_COPIES,
            ))
        })
        .and_then(Result::ok)
        .unwrap_or_default();
    tracing::debug!(
        due = plan.items.len(),
        copy_entries = copy.len(),
        next = ?next_wake,
        "reminders and copy menu checked"
    );
    state.set_due_summary(DueSummary::Open {
        items: plan.items,
        copy,
    });
    tray::refresh(app);
    next_wake
}
