//! The first-run walkthrough's steps, their order and wording, and when it shows.
//!
//! These used to live as a free-form string in the vault's record and as an array in
//! Svelte, which could disagree. Here the steps are a typed enum in their order, and
//! whether the walkthrough shows is decided from the saved state and the inventory; the
//! window only renders what [`walkthrough`] returns.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vault::Onboarding;

/// A step of the walkthrough after the vault is set up, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OnboardingStep {
    /// Move one real key in.
    FirstKey,
    /// Choose its rotation interval.
    Policy,
    /// Record its scopes and copy it by scope.
    ScopedCopy,
    /// Meet the tray.
    Tray,
}

impl OnboardingStep {
    /// Every step, in order.
    pub const ALL: [Self; 4] = [Self::FirstKey, Self::Policy, Self::ScopedCopy, Self::Tray];

    /// The step's name as stored and sent over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstKey => "first_key",
            Self::Policy => "policy",
            Self::ScopedCopy => "scoped_copy",
            Self::Tray => "tray",
        }
    }

    /// What the step list calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::FirstKey => "Add your first key",
            Self::Policy => "Set its rotation",
            Self::ScopedCopy => "Copy it, scoped",
            Self::Tray => "Meet the tray",
        }
    }

    /// The step after this one, if any.
    pub fn next(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(at + 1).copied()
    }
}

/// One step as the window lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OnboardingStepInfo {
    pub step: OnboardingStep,
    pub label: String,
    /// The step that follows (`None` for the last).
    pub next: Option<OnboardingStep>,
}

/// The walkthrough as the window gets it: the saved state, whether to show it now, and
/// the steps in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Walkthrough {
    /// The saved progress, with the step to show filled in.
    pub state: Onboarding,
    /// Show it now: on a new vault (no keys yet) or while it is in progress, unless it was
    /// finished or skipped.
    pub show: bool,
    pub steps: Vec<OnboardingStepInfo>,
}

/// Whether the walkthrough shows by itself, given its saved state and how many keys the
/// vault holds.
pub fn should_show(state: &Onboarding, key_count: usize) -> bool {
    let started = state.step.is_some() || key_count == 0;
    !state.done && !state.skipped && started
}

/// Every step with its label and successor.
pub fn steps() -> Vec<OnboardingStepInfo> {
    OnboardingStep::ALL
        .iter()
        .map(|&step| OnboardingStepInfo {
            step,
            label: step.label().to_owned(),
            next: step.next(),
        })
        .collect()
}

/// What the window needs to show (or not) the walkthrough. With `restart` (Help →
/// Walkthrough) it shows from the first step whatever was saved.
pub fn walkthrough(saved: Onboarding, key_count: usize, restart: bool) -> Walkthrough {
    let show = restart || should_show(&saved, key_count);
    let state = if restart {
        Onboarding {
            step: Some(OnboardingStep::FirstKey),
            key_name: None,
            skipped: false,
            done: false,
        }
    } else {
        Onboarding {
            step: saved.step.or(Some(OnboardingStep::FirstKey)),
            ..saved
        }
    };
    Walkthrough {
        state,
        show,
        steps: steps(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(step: Option<OnboardingStep>, skipped: bool, done: bool) -> Onboarding {
        Onboarding {
            step,
            key_name: None,
            skipped,
            done,
        }
    }

    #[test]
    fn shows_on_a_new_vault_or_while_in_progress() {
        use OnboardingStep::*;
        let cases = [
            // (step, skipped, done, keys, shows)
            (None, false, false, 0, true),
            (None, false, false, 3, false),
            (Some(Policy), false, false, 1, true),
            (Some(FirstKey), false, false, 0, true),
            (None, true, false, 0, false),
            (Some(Tray), true, false, 2, false),
            (None, false, true, 0, false),
            (Some(Tray), false, true, 5, false),
        ];
        for (step, skipped, done, keys, shows) in cases {
            let state = saved(step, skipped, done);
            assert_eq!(
                should_show(&state, keys),
                shows,
                "{state:?} with {keys} keys"
            );
            assert_eq!(walkthrough(state, keys, false).show, shows);
        }
    }

    #[test]
    fn restarting_shows_from_the_first_step() {
        let done = saved(Some(OnboardingStep::Tray), false, true);
        let view = walkthrough(done, 4, true);
        assert!(view.show);
        assert_eq!(view.state.step, Some(OnboardingStep::FirstKey));
        assert!(!view.state.done && !view.state.skipped);
    }

    #[test]
    fn resumes_where_it_was_left_and_starts_at_the_first_step() {
        let view = walkthrough(
            saved(Some(OnboardingStep::ScopedCopy), false, false),
            1,
            false,
        );
        assert_eq!(view.state.step, Some(OnboardingStep::ScopedCopy));
        let view = walkthrough(Onboarding::default(), 0, false);
        assert_eq!(view.state.step, Some(OnboardingStep::FirstKey));
    }

    #[test]
    fn steps_run_in_order_with_their_labels() {
        let all = steps();
        let listed: Vec<(&str, &str, Option<OnboardingStep>)> = all
            .iter()
            .map(|s| (s.step.as_str(), s.label.as_str(), s.next))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "first_key",
                    "Add your first key",
                    Some(OnboardingStep::Policy)
                ),
                (
                    "policy",
                    "Set its rotation",
                    Some(OnboardingStep::ScopedCopy)
                ),
                ("scoped_copy", "Copy it, scoped", Some(OnboardingStep::Tray)),
                ("tray", "Meet the tray", None),
            ]
        );
    }

    #[test]
    fn steps_keep_the_names_saved_before_they_were_typed() {
        for step in OnboardingStep::ALL {
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(json, format!("\"{}\"", step.as_str()));
        }
        let old: Onboarding = serde_json::from_str(
            r#"{"step":"policy","key_name":"k","skipped":false,"done":false}"#,
        )
        .unwrap();
        assert_eq!(old.step, Some(OnboardingStep::Policy));
    }
}
