//! The rotation runbook's steps and wording, and the rollback window, as the window and
//! the CLI show them.
//!
//! The vault enforces the step order (`vault/rotation.rs`); this module says what each
//! step is called and why it matters, and whether an earlier value can still be rolled
//! back to by Till's clock. The window used to repeat the wording and hard-code the
//! window's length; now it renders what [`runbook`] and [`rollback_until`] return.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::model::{RetiredValue, RotationStep};
use crate::vault::ROLLBACK_WINDOW_DAYS;

/// The runbook's steps, in the order the vault enforces.
pub const STEPS: [RotationStep; 6] = [
    RotationStep::CreateNew,
    RotationStep::PasteNew,
    RotationStep::Verify,
    RotationStep::UpdatePlaces,
    RotationStep::ConfirmOldUnused,
    RotationStep::RevokeOld,
];

/// Where a step stands in a rotation in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StepStatus {
    Done,
    Current,
    Todo,
}

/// One step as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunbookStep {
    pub step: RotationStep,
    /// What to do, as a heading.
    pub title: String,
    /// Why it matters.
    pub why: String,
    pub status: StepStatus,
}

/// The whole runbook for a key, given where its rotation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Runbook {
    pub steps: Vec<RunbookStep>,
    /// How long a replaced value is kept for a rollback.
    pub rollback_window_days: u32,
    /// What to say when the rotation is finished.
    pub finished: String,
}

/// The step in a sentence ("the rotation is at …"), lower case.
pub fn step_phrase(step: RotationStep) -> &'static str {
    match step {
        RotationStep::CreateNew => "create the new key at the provider",
        RotationStep::PasteNew => "paste the new key",
        RotationStep::Verify => "check the new key is live",
        RotationStep::UpdatePlaces => "update each place the key is deployed",
        RotationStep::ConfirmOldUnused => "confirm the old key is no longer used",
        RotationStep::RevokeOld => "revoke the old key",
    }
}

/// The rollback window in days, as shown.
pub fn rollback_window_days() -> u32 {
    u32::try_from(ROLLBACK_WINDOW_DAYS).unwrap_or(u32::MAX)
}

fn title_and_why(step: RotationStep, days: u32) -> (&'static str, String) {
    match step {
        RotationStep::CreateNew => (
            "Create a new key at the provider",
            "Give it the same scopes as the old one: a rotation should not widen access.".into(),
        ),
        RotationStep::PasteNew => (
            "Paste the new key",
            format!(
                "Till stores it and keeps the old value for {days} days, so you can roll back."
            ),
        ),
        RotationStep::Verify => (
            "Check the new key is live",
            "A key that does not work yet would break everything you deploy it to.".into(),
        ),
        RotationStep::UpdatePlaces => (
            "Update every place it is deployed",
            "Old and new keys overlap now, so services switch over without downtime.".into(),
        ),
        RotationStep::ConfirmOldUnused => (
            "Confirm nothing uses the old key",
            "Check the provider's usage page: a forgotten place would break on revoke.".into(),
        ),
        RotationStep::RevokeOld => (
            "Revoke the old key",
            "Until it is revoked, a leaked copy of the old key still works.".into(),
        ),
    }
}

/// The runbook's steps with their wording, each marked done, current or to do against
/// `current` (the step a rotation in progress is at; `None`: all to do).
pub fn runbook(current: Option<RotationStep>) -> Runbook {
    let days = rollback_window_days();
    let steps = STEPS
        .iter()
        .map(|&step| {
            let (title, why) = title_and_why(step, days);
            let status = match current {
                Some(at) if step < at => StepStatus::Done,
                Some(at) if step == at => StepStatus::Current,
                _ => StepStatus::Todo,
            };
            RunbookStep {
                step,
                title: title.to_owned(),
                why,
                status,
            }
        })
        .collect();
    Runbook {
        steps,
        rollback_window_days: days,
        finished: format!(
            "Rotation finished. The old value stays in the history for {days} days; the audit \
             log has every step."
        ),
    }
}

/// Until when the value a replacement retired can be put back, by Till's clock `now`;
/// `None` when there is nothing to roll back to or the window has passed. The vault's
/// rollback applies the same rule.
pub fn rollback_until(history: &[RetiredValue], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    history
        .first()
        .map(|last| last.keep_until)
        .filter(|until| *until > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn steps_run_in_the_order_the_vault_enforces() {
        let order: Vec<RotationStep> = runbook(None).steps.iter().map(|s| s.step).collect();
        assert_eq!(order, STEPS);
        let mut sorted = STEPS;
        sorted.sort();
        assert_eq!(sorted, STEPS, "the enum's order is the runbook's order");
    }

    #[test]
    fn steps_are_done_before_the_current_one_and_to_do_after() {
        use StepStatus::*;
        let cases = [
            (None, [Todo, Todo, Todo, Todo, Todo, Todo]),
            (
                Some(RotationStep::CreateNew),
                [Current, Todo, Todo, Todo, Todo, Todo],
            ),
            (
                Some(RotationStep::Verify),
                [Done, Done, Current, Todo, Todo, Todo],
            ),
            (
                Some(RotationStep::RevokeOld),
                [Done, Done, Done, Done, Done, Current],
            ),
        ];
        for (current, expected) in cases {
            let statuses: Vec<StepStatus> =
                runbook(current).steps.iter().map(|s| s.status).collect();
            assert_eq!(statuses, expected, "at {current:?}");
        }
    }

    #[test]
    fn wording_names_the_rollback_window_from_the_constant() {
        let book = runbook(Some(RotationStep::PasteNew));
        assert_eq!(book.rollback_window_days, 7);
        let paste = &book.steps[1];
        assert_eq!(paste.title, "Paste the new key");
        assert!(paste.why.contains("for 7 days"), "{}", paste.why);
        assert!(book.finished.contains("for 7 days"), "{}", book.finished);
        assert!(book
            .steps
            .iter()
            .all(|s| !s.title.is_empty() && !s.why.is_empty()));
        assert_eq!(step_phrase(RotationStep::RevokeOld), "revoke the old key");
    }

    #[test]
    fn rollback_is_open_until_the_last_retired_value_expires() {
        let retired = |keep_until: &str| RetiredValue {
            fingerprint: "sk-…old1".into(),
            retired_at: at("2026-03-01T00:00:00Z"),
            keep_until: at(keep_until),
            value_hmac: String::new(),
        };
        let older = retired("2026-03-20T00:00:00Z");
        let cases = [
            (vec![], "2026-03-02T00:00:00Z", None),
            (
                vec![retired("2026-03-08T00:00:00Z")],
                "2026-03-02T00:00:00Z",
                Some("2026-03-08T00:00:00Z"),
            ),
            (
                vec![retired("2026-03-08T00:00:00Z")],
                "2026-03-08T00:00:00Z",
                None,
            ),
            (
                vec![retired("2026-03-08T00:00:00Z")],
                "2026-04-01T00:00:00Z",
                None,
            ),
            // Only the newest retired value can be rolled back to.
            (
                vec![retired("2026-03-08T00:00:00Z"), older],
                "2026-03-10T00:00:00Z",
                None,
            ),
        ];
        for (history, now, expected) in cases {
            assert_eq!(
                rollback_until(&history, at(now)),
                expected.map(at),
                "at {now} with {history:?}"
            );
        }
    }
}
