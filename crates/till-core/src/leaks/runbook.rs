//! The leaked-key runbook for one key: revoke → rotate → find every place → record.
//!
//! These are the leaked-key lesson's steps (`lessons/04-leaked-key.md`), made concrete
//! for a key the scanner found written in a file: the window shows them with the places
//! found, and each step the person marks done is audited by the vault
//! (`Vault::leak_response`). The order is advice, not enforced: in a real leak the
//! person revokes first, but may learn of more places while rotating.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A step of the leaked-key runbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeakStep {
    Revoke,
    Rotate,
    FindPlaces,
    Record,
}

/// The steps, in order.
pub const STEPS: [LeakStep; 4] = [
    LeakStep::Revoke,
    LeakStep::Rotate,
    LeakStep::FindPlaces,
    LeakStep::Record,
];

/// One step as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeakStepView {
    pub step: LeakStep,
    pub title: String,
    pub why: String,
}

impl LeakStep {
    /// The step in a few words, lower case, for the audit log.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Revoke => "revoked the exposed key at the provider",
            Self::Rotate => "rotated to a new key",
            Self::FindPlaces => "found and cleaned every place it was written",
            Self::Record => "recorded the incident",
        }
    }

    fn title_and_why(self) -> (&'static str, &'static str) {
        match self {
            Self::Revoke => (
                "Revoke it at the provider",
                "Assume someone already has it: a dead key is a short outage, a live leaked \
                 one is an open door. Revoke first, investigate second.",
            ),
            Self::Rotate => (
                "Rotate to a new key",
                "Create a replacement with the narrowest scopes that work and deploy it \
                 everywhere the old one lived. No overlap period in a real leak.",
            ),
            Self::FindPlaces => (
                "Find every place it was written",
                "Take it out of each file below, then search CI variables, logs and chat. \
                 Rewriting git history does not undo the leak: the revoke does.",
            ),
            Self::Record => (
                "Record what happened",
                "When it leaked, where, when it was revoked and what the provider's usage \
                 showed: the next person to handle this key will need it.",
            ),
        }
    }
}

/// The runbook's steps with their wording.
pub fn steps() -> Vec<LeakStepView> {
    STEPS
        .iter()
        .map(|&step| {
            let (title, why) = step.title_and_why();
            LeakStepView {
                step,
                title: title.to_owned(),
                why: why.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_follow_the_lesson_revoke_rotate_find_record() {
        let titles: Vec<String> = steps().into_iter().map(|s| s.title).collect();
        assert_eq!(
            titles,
            [
                "Revoke it at the provider",
                "Rotate to a new key",
                "Find every place it was written",
                "Record what happened"
            ]
        );
        let lesson = crate::lessons::all()
            .iter()
            .find(|l| l.id == "leaked-key")
            .expect("the leaked-key lesson");
        let headings: Vec<&str> = lesson.screens.iter().map(|s| s.heading.as_str()).collect();
        assert!(headings[0].starts_with("Revoke first"), "{headings:?}");
        assert!(headings[1].starts_with("Rotate"), "{headings:?}");
        assert!(headings[2].starts_with("Trace"), "{headings:?}");
        assert!(headings[4].starts_with("Write it down"), "{headings:?}");
    }
}
