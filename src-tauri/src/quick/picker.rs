//! What quick search does with each key, apart from how it is drawn: the query, the
//! highlighted item, the broader key waiting for a second Enter, and what to tell the
//! person. The native popup (`native.rs`) only renders this state and feeds it keys, so
//! the rules (least privilege first, a second Enter for a broader key, Enter while locked
//! opens Till) are tested here without a display.

use till_core::shortlist::QuickItem;
use till_core::vault::{CopyPlan, CopyRequest};
use till_core::ErrorCode;

use crate::copying::Copied;
use crate::error::IpcError;

/// What quick search needs from the vault: the matching items, and the copy itself.
pub trait QuickVault {
    /// The items matching `query`, best first.
    fn items(&self, query: &str) -> Result<Vec<QuickItem>, IpcError>;
    /// Which key a copy would use (nothing copied).
    fn plan(&self, request: &CopyRequest) -> Result<CopyPlan, IpcError>;
    /// Copies it (a broader key only with `allow_broader`); the vault audits the copy.
    fn copy(&self, request: &CopyRequest, allow_broader: bool) -> Result<Copied, IpcError>;
}

/// A broader key the person has been asked about.
#[derive(Debug, Clone)]
struct Pending {
    request: CopyRequest,
    why: String,
}

/// What Enter led to, for the popup to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do (no item).
    Nothing,
    /// A key is on the clipboard: show the message, then close.
    Copied,
    /// Only a broader key covers it: the message asks for a second Enter.
    Asking,
    /// The vault is locked: open Till's window to unlock it.
    OpenTill,
    /// It failed: the message says why.
    Failed,
    /// A "New agent key for…" item: open the window's mint form for this key or purpose.
    MintAgentKey(CopyRequest),
}

/// What kind of news a message is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A key was copied.
    Done,
    /// A question (a broader key) or a hint (locked).
    Ask,
    /// Something failed.
    Problem,
}

/// Quick search's state between keys.
#[derive(Debug, Default)]
pub struct Picker {
    query: String,
    items: Vec<QuickItem>,
    active: usize,
    pending: Option<Pending>,
    error: Option<IpcError>,
    done: Option<String>,
}

impl Picker {
    /// The items shown, best first.
    pub fn items(&self) -> &[QuickItem] {
        &self.items
    }

    /// The highlighted item's index.
    pub fn active(&self) -> usize {
        self.active
    }

    /// One line for the person, if there is something to say (the copy done, the broader
    /// key to confirm, the vault locked, or what went wrong), with its tone.
    pub fn news(&self) -> Option<(Tone, String)> {
        if let Some(done) = &self.done {
            return Some((Tone::Done, done.clone()));
        }
        if let Some(pending) = &self.pending {
            let text = format!(
                "{}. Press Enter to copy it anyway (recorded as over-privileged), Esc to cancel.",
                pending.why
            );
            return Some((Tone::Ask, text));
        }
        self.error.as_ref().map(|error| {
            if error.code == ErrorCode::Locked {
                let text = "Till is locked. Press Enter to open Till and unlock it.";
                (Tone::Ask, text.to_owned())
            } else {
                (Tone::Problem, error.message.clone())
            }
        })
    }

    /// What a blank list says.
    pub fn empty_text(&self) -> Option<String> {
        (self.items.is_empty() && self.error.is_none())
            .then(|| format!("Nothing matches “{}”.", self.query))
    }

    /// The text changed: search again from the top.
    pub fn set_query(&mut self, vault: &dyn QuickVault, query: &str) {
        query.clone_into(&mut self.query);
        self.active = 0;
        self.pending = None;
        self.refresh(vault);
    }

    /// Fetches the items for the current query again (the window was shown).
    pub fn refresh(&mut self, vault: &dyn QuickVault) {
        self.done = None;
        match vault.items(&self.query) {
            Ok(items) => {
                self.active = self.active.min(items.len().saturating_sub(1));
                self.items = items;
                self.error = None;
            }
            Err(error) => {
                self.items.clear();
                self.error = Some(error);
            }
        }
    }

    /// Arrow down: the next item (a pending confirmation is dropped).
    pub fn down(&mut self) {
        self.active = (self.active + 1).min(self.items.len().saturating_sub(1));
        self.pending = None;
    }

    /// Arrow up: the previous item.
    pub fn up(&mut self) {
        self.active = self.active.saturating_sub(1);
        self.pending = None;
    }

    /// Esc: drops a pending confirmation and returns false, or returns true (close).
    pub fn escape(&mut self) -> bool {
        self.pending.take().is_none()
    }

    /// Forgets everything typed and shown (the window closes).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Enter: copies the highlighted item's least-privileged key, asks before a broader
    /// one, copies that on the second Enter; while locked, asks to open Till.
    pub fn enter(&mut self, vault: &dyn QuickVault) -> Outcome {
        if self
            .error
            .as_ref()
            .is_some_and(|e| e.code == ErrorCode::Locked)
        {
            return Outcome::OpenTill;
        }
        self.error = None;
        if let Some(pending) = self.pending.take() {
            return self.copy(vault, &pending.request, true);
        }
        let Some(item) = self.items.get(self.active) else {
            return Outcome::Nothing;
        };
        let request = item.request();
        if item.mints_agent_key() {
            return Outcome::MintAgentKey(request);
        }
        match vault.plan(&request) {
            Ok(plan) if plan.broader => {
                self.pending = Some(Pending {
                    request,
                    why: plan.why,
                });
                Outcome::Asking
            }
            Ok(_) => self.copy(vault, &request, false),
            Err(error) => self.fail(error),
        }
    }

    fn copy(&mut self, vault: &dyn QuickVault, request: &CopyRequest, broader: bool) -> Outcome {
        match vault.copy(request, broader) {
            Ok(copied) => {
                self.done = Some(format!(
                    "Copied {}: clears in {} s",
                    copied.key_name, copied.clear_after_seconds
                ));
                Outcome::Copied
            }
            Err(error) => self.fail(error),
        }
    }

    fn fail(&mut self, error: IpcError) -> Outcome {
        self.error = Some(error);
        Outcome::Failed
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use till_core::shortlist::QuickKind;
    use till_core::TillError;

    use super::*;

    impl Picker {
        fn message(&self) -> Option<String> {
            self.news().map(|(_, text)| text)
        }
    }

    /// Two GitHub keys (a reader and an admin) and two purposes, one only the admin covers.
    #[derive(Default)]
    struct FakeVault {
        locked: bool,
        copies: RefCell<Vec<(CopyRequest, bool)>>,
    }

    fn item(kind: QuickKind, name: &str) -> QuickItem {
        QuickItem {
            kind,
            name: name.to_owned(),
            label: name.to_owned(),
            provider: "github".to_owned(),
            scopes: vec![],
            environment: None,
            pinned: false,
        }
    }

    impl QuickVault for FakeVault {
        fn items(&self, query: &str) -> Result<Vec<QuickItem>, IpcError> {
            if self.locked {
                return Err(IpcError::from(TillError::VaultLocked));
            }
            // As core does: "New agent key for…" items only when "agent" is typed.
            if query == "agent" {
                return Ok(vec![item(QuickKind::AgentForKey, "GitHub reader")]);
            }
            let all = [
                item(QuickKind::Purpose, "CI deploy"),
                item(QuickKind::Purpose, "Admin tasks"),
                item(QuickKind::Key, "GitHub reader"),
            ];
            let query = query.to_lowercase();
            Ok(all
                .into_iter()
                .filter(|i| i.name.to_lowercase().contains(&query))
                .collect())
        }

        fn plan(&self, request: &CopyRequest) -> Result<CopyPlan, IpcError> {
            let broader = *request == CopyRequest::Purpose("Admin tasks".into());
            Ok(CopyPlan {
                key_name: if broader {
                    "GitHub admin"
                } else {
                    "GitHub reader"
                }
                .into(),
                provider: "github".into(),
                asked: vec![],
                beyond: vec![],
                broader,
                overdue: false,
                why: if broader {
                    "Only a broader key covers it"
                } else {
                    "The narrowest key"
                }
                .into(),
            })
        }

        fn copy(&self, request: &CopyRequest, allow_broader: bool) -> Result<Copied, IpcError> {
            let plan = self.plan(request)?;
            assert!(
                !plan.broader || allow_broader,
                "a broader key copied without asking"
            );
            self.copies
                .borrow_mut()
                .push((request.clone(), allow_broader));
            Ok(Copied {
                key_name: plan.key_name,
                why: plan.why,
                clear_after_seconds: 30,
            })
        }
    }

    #[test]
    fn enter_copies_the_highlighted_items_narrowest_key() {
        let vault = FakeVault::default();
        let mut picker = Picker::default();
        picker.set_query(&vault, "ci");
        assert_eq!(picker.enter(&vault), Outcome::Copied);
        assert_eq!(
            *vault.copies.borrow(),
            [(CopyRequest::Purpose("CI deploy".into()), false)]
        );
        assert_eq!(
            picker.message().as_deref(),
            Some("Copied GitHub reader: clears in 30 s")
        );
    }

    #[test]
    fn a_broader_key_takes_a_second_enter_and_esc_cancels_it() {
        let vault = FakeVault::default();
        let mut picker = Picker::default();
        picker.set_query(&vault, "admin");
        assert_eq!(picker.enter(&vault), Outcome::Asking);
        assert!(vault.copies.borrow().is_empty(), "one Enter only asks");
        assert!(picker
            .message()
            .is_some_and(|m| m.contains("over-privileged")));

        assert!(!picker.escape(), "Esc first drops the question");
        assert_eq!(picker.message(), None);
        assert!(picker.escape(), "a second Esc closes");

        assert_eq!(picker.enter(&vault), Outcome::Asking);
        assert_eq!(picker.enter(&vault), Outcome::Copied);
        assert_eq!(
            *vault.copies.borrow(),
            [(CopyRequest::Purpose("Admin tasks".into()), true)]
        );
    }

    #[test]
    fn arrows_move_within_the_list_and_drop_a_pending_question() {
        let vault = FakeVault::default();
        let mut picker = Picker::default();
        picker.set_query(&vault, "");
        picker.down();
        assert_eq!(picker.active(), 1);
        assert_eq!(picker.enter(&vault), Outcome::Asking);
        picker.down();
        picker.down();
        assert_eq!(picker.active(), 2, "stops at the last item");
        assert_eq!(picker.message(), None);
        picker.up();
        picker.up();
        picker.up();
        assert_eq!(picker.active(), 0);
        assert_eq!(picker.enter(&vault), Outcome::Copied);
    }

    #[test]
    fn while_locked_enter_opens_till_and_nothing_is_listed() {
        let vault = FakeVault {
            locked: true,
            ..FakeVault::default()
        };
        let mut picker = Picker::default();
        picker.refresh(&vault);
        assert!(picker.items().is_empty());
        assert_eq!(picker.empty_text(), None);
        assert!(picker
            .message()
            .is_some_and(|m| m.contains("Till is locked")));
        assert_eq!(picker.enter(&vault), Outcome::OpenTill);
        assert!(vault.copies.borrow().is_empty());
    }

    #[test]
    fn no_match_says_so_and_enter_does_nothing() {
        let vault = FakeVault::default();
        let mut picker = Picker::default();
        picker.set_query(&vault, "zzz");
        assert_eq!(
            picker.empty_text().as_deref(),
            Some("Nothing matches “zzz”.")
        );
        assert_eq!(picker.enter(&vault), Outcome::Nothing);
    }

    #[test]
    fn enter_on_a_new_agent_key_item_asks_for_the_mint_form_and_copies_nothing() {
        let vault = FakeVault::default();
        let mut picker = Picker::default();
        picker.set_query(&vault, "agent");
        assert_eq!(
            picker.enter(&vault),
            Outcome::MintAgentKey(CopyRequest::Key("GitHub reader".into()))
        );
        assert!(vault.copies.borrow().is_empty());
    }
}
