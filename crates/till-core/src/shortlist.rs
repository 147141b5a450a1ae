//! What can be done in one step: quick search's items and the tray's Copy menu.
//!
//! The shell used to build both lists itself (which keys, in what order, with what
//! labels), each its own way. Here they are pure functions of the inventory and the saved
//! purposes, so the window, the tray and their tests agree; the shell only renders the
//! entries (with the labels given here) and sends back the request an entry stands for.
//! Besides copies, quick search offers **New agent key for…** a key or purpose the agent
//! gateway fronts, when "agent" is typed or a purpose is found: any quick-search front
//! end then offers it the same way.

use serde::Serialize;
use ts_rs::TS;

use crate::agents::Provider;
use crate::model::{KeyMeta, KeyStatus};
use crate::search::{self, Searchable};
use crate::vault::{CopyRequest, Purpose};

/// How many matches quick search shows.
pub const QUICK_LIMIT: usize = 8;
/// How many recently copied keys the tray lists after the pinned ones.
pub const RECENT_COPIES: usize = 5;

/// Tray menu ids: a prefix, then the key's or purpose's name.
pub const COPY_KEY_ID: &str = "copy-key:";
pub const COPY_PURPOSE_ID: &str = "copy-purpose:";

/// What a quick-search item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum QuickKind {
    /// Copies a key, by name.
    Key,
    /// Copies a saved purpose's narrowest key.
    Purpose,
    /// Opens the Agents mint form on this key.
    AgentForKey,
    /// Opens the Agents mint form on the key this purpose's copy would pick.
    AgentForPurpose,
}

/// One thing quick search can do. Names and scopes only, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct QuickItem {
    pub kind: QuickKind,
    pub name: String,
    /// What a front end shows: "GitHub reader", "For CI deploy", "New agent key for CI
    /// deploy".
    pub label: String,
    pub provider: String,
    pub scopes: Vec<String>,
    pub environment: Option<String>,
    pub pinned: bool,
}

/// The word that asks quick search for agent keys (typed alone or with a name).
const AGENT_WORD: &str = "agent";
/// Words of "new agent key for …" that name nothing to search for.
const AGENT_FILLER: [&str; 4] = ["new", "key", "keys", "for"];

impl QuickItem {
    /// The key or purpose this item names: the copy it makes, or for an agent item the
    /// request whose key the agent key is minted on.
    pub fn request(&self) -> CopyRequest {
        match self.kind {
            QuickKind::Key | QuickKind::AgentForKey => CopyRequest::Key(self.name.clone()),
            QuickKind::Purpose | QuickKind::AgentForPurpose => {
                CopyRequest::Purpose(self.name.clone())
            }
        }
    }

    /// Whether choosing it opens the mint form instead of copying.
    pub fn mints_agent_key(&self) -> bool {
        matches!(
            self.kind,
            QuickKind::AgentForKey | QuickKind::AgentForPurpose
        )
    }

    /// The "New agent key for …" item for this key or purpose, if the gateway fronts its
    /// provider.
    fn agent_item(&self) -> Option<QuickItem> {
        let kind = match self.kind {
            QuickKind::Key => QuickKind::AgentForKey,
            QuickKind::Purpose => QuickKind::AgentForPurpose,
            QuickKind::AgentForKey | QuickKind::AgentForPurpose => return None,
        };
        Provider::from_id(&self.provider)?;
        Some(QuickItem {
            kind,
            label: format!("New agent key for {}", self.name),
            ..self.clone()
        })
    }
}

impl Searchable for QuickItem {
    fn search_name(&self) -> &str {
        &self.name
    }

    fn search_fields(&self) -> Vec<&str> {
        let mut fields = vec![self.provider.as_str()];
        fields.extend(self.environment.as_deref());
        fields.extend(self.scopes.iter().map(String::as_str));
        fields
    }

    fn search_pinned(&self) -> bool {
        self.pinned
    }
}

/// Whether a key is offered for one-step copies: active ones only (a retiring or revoked
/// key can still be copied by name from its detail, deliberately).
pub fn offered(key: &KeyMeta) -> bool {
    key.status == KeyStatus::Active
}

/// Every item quick search can copy: saved purposes, then offered keys, pinned first.
pub fn quick_items(keys: &[KeyMeta], purposes: &[Purpose]) -> Vec<QuickItem> {
    let purposes = purposes.iter().map(|p| QuickItem {
        kind: QuickKind::Purpose,
        name: p.name.clone(),
        label: format!("For {}", p.name),
        provider: p.provider().to_owned(),
        scopes: p.scopes.clone(),
        environment: None,
        pinned: false,
    });
    let mut offered_keys: Vec<&KeyMeta> = keys.iter().filter(|k| offered(k)).collect();
    offered_keys.sort_by_key(|k| !k.pinned);
    let keys = offered_keys.into_iter().map(|k| QuickItem {
        kind: QuickKind::Key,
        name: k.name.clone(),
        label: k.name.clone(),
        provider: k.provider.clone(),
        scopes: k.scopes.clone(),
        environment: Some(k.environment.clone()),
        pinned: k.pinned,
    });
    purposes.chain(keys).collect()
}

/// The best `limit` items for what was typed, best first. Typing "agent" (with or
/// without a name) lists **New agent key for…** each key and purpose the gateway fronts,
/// ranked by the other words; a purpose found otherwise is followed by its own.
pub fn quick_search(
    keys: &[KeyMeta],
    purposes: &[Purpose],
    query: &str,
    limit: usize,
) -> Vec<QuickItem> {
    let items = quick_items(keys, purposes);
    let copies = search::rank(&items, query).into_iter().cloned();
    let words: Vec<&str> = query.split_whitespace().collect();
    let asks_agent = words
        .iter()
        .any(|w| w.to_lowercase().starts_with(AGENT_WORD));
    let found: Vec<QuickItem> = if asks_agent {
        let rest: Vec<&str> = words
            .into_iter()
            .filter(|w| {
                let w = w.to_lowercase();
                !w.starts_with(AGENT_WORD) && !AGENT_FILLER.contains(&w.as_str())
            })
            .collect();
        let agents: Vec<QuickItem> = items.iter().filter_map(QuickItem::agent_item).collect();
        // A key or purpose named like "agent…" is still there to copy.
        let named_agent = |item: &QuickItem| item.name.to_lowercase().contains(AGENT_WORD);
        search::rank(&agents, &rest.join(" "))
            .into_iter()
            .cloned()
            .chain(copies.filter(named_agent))
            .collect()
    } else if words.is_empty() {
        copies.collect()
    } else {
        copies
            .flat_map(|item| {
                let agent = (item.kind == QuickKind::Purpose)
                    .then(|| item.agent_item())
                    .flatten();
                std::iter::once(item).chain(agent)
            })
            .collect()
    };
    found.into_iter().take(limit).collect()
}

/// One entry of the tray's Copy menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenuEntry {
    /// The menu item's id (what a click reports, and what tests click by).
    pub id: String,
    pub label: String,
}

/// The tray's Copy menu: pinned keys, then the `recent` most recently copied others, then
/// saved purposes.
pub fn copy_menu(keys: &[KeyMeta], purposes: &[Purpose], recent: usize) -> Vec<CopyMenuEntry> {
    let key_entry = |key: &KeyMeta, label: String| CopyMenuEntry {
        id: format!("{COPY_KEY_ID}{}", key.name),
        label,
    };
    let mut entries: Vec<CopyMenuEntry> = keys
        .iter()
        .filter(|k| offered(k) && k.pinned)
        .map(|k| key_entry(k, k.name.clone()))
        .collect();
    let mut copied: Vec<&KeyMeta> = keys
        .iter()
        .filter(|k| offered(k) && !k.pinned && k.last_copied_at.is_some())
        .collect();
    copied.sort_by_key(|k| std::cmp::Reverse(k.last_copied_at));
    entries.extend(
        copied
            .into_iter()
            .take(recent)
            .map(|k| key_entry(k, format!("{} (recent)", k.name))),
    );
    entries.extend(purposes.iter().map(|p| CopyMenuEntry {
        id: format!("{COPY_PURPOSE_ID}{}", p.name),
        label: format!("For {}", p.name),
    }));
    entries
}

/// What the Copy menu says when it has no entries.
pub fn copy_menu_hint(unlocked: bool) -> &'static str {
    if unlocked {
        "Pin keys or save purposes to copy from here"
    } else {
        "Unlock Till to copy keys"
    }
}

/// The copy a Copy-menu id stands for; `None` for any other id.
pub fn copy_request_for(id: &str) -> Option<CopyRequest> {
    if let Some(name) = id.strip_prefix(COPY_KEY_ID) {
        Some(CopyRequest::Key(name.to_owned()))
    } else {
        id.strip_prefix(COPY_PURPOSE_ID)
            .map(|name| CopyRequest::Purpose(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::model::tests_support::key;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn purpose(name: &str, scope: &str) -> Purpose {
        Purpose {
            name: name.into(),
            scopes: vec![scope.into()],
        }
    }

    fn inventory() -> Vec<KeyMeta> {
        let mut admin = key("GitHub admin", "github", "prod");
        admin.scopes = vec!["github:*:*".into()];
        admin.last_copied_at = Some(at("2026-02-01T00:00:00Z"));
        let mut reader = key("GitHub reader", "github", "prod");
        reader.scopes = vec!["github:contents:read".into()];
        reader.pinned = true;
        let mut stripe = key("Stripe billing", "stripe", "prod");
        stripe.last_copied_at = Some(at("2026-03-01T00:00:00Z"));
        let mut old = key("Old token", "openai", "dev");
        old.status = KeyStatus::Revoked;
        old.pinned = true;
        old.last_copied_at = Some(at("2026-04-01T00:00:00Z"));
        let never = key("Never copied", "openai", "dev");
        vec![admin, reader, stripe, old, never]
    }

    fn purposes() -> Vec<Purpose> {
        vec![
            purpose("Admin tasks", "github:secrets:write"),
            purpose("CI deploy", "github:contents:read"),
        ]
    }

    #[test]
    fn quick_items_list_purposes_then_active_keys_pinned_first() {
        let items = quick_items(&inventory(), &purposes());
        let listed: Vec<(QuickKind, &str, bool)> = items
            .iter()
            .map(|i| (i.kind, i.name.as_str(), i.pinned))
            .collect();
        assert_eq!(
            listed,
            [
                (QuickKind::Purpose, "Admin tasks", false),
                (QuickKind::Purpose, "CI deploy", false),
                (QuickKind::Key, "GitHub reader", true),
                (QuickKind::Key, "GitHub admin", false),
                (QuickKind::Key, "Stripe billing", false),
                (QuickKind::Key, "Never copied", false),
            ]
        );
        assert_eq!(items[1].provider, "github");
        assert_eq!(items[1].environment, None);
        assert_eq!(items[2].environment.as_deref(), Some("prod"));
    }

    #[test]
    fn quick_search_ranks_and_limits() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("ci deploy", 8, &["CI deploy"]),
            ("admin tasks", 8, &["Admin tasks"]),
            ("reader", 8, &["GitHub reader"]),
            ("old token", 8, &[]),
            ("", 3, &["GitHub reader", "Admin tasks", "CI deploy"]),
        ];
        for (query, limit, expected) in cases {
            let names: Vec<String> = quick_search(&inventory(), &purposes(), query, *limit)
                .into_iter()
                .map(|i| i.name)
                .collect();
            assert_eq!(names, *expected, "query {query:?}");
        }
    }

    #[test]
    fn items_stand_for_their_copy() {
        let items = quick_items(&inventory(), &purposes());
        assert_eq!(
            items[0].request(),
            CopyRequest::Purpose("Admin tasks".into())
        );
        assert_eq!(items[2].request(), CopyRequest::Key("GitHub reader".into()));
    }

    /// The inventory plus an OpenAI key and a purpose on it (the gateway fronts OpenAI).
    fn with_openai() -> (Vec<KeyMeta>, Vec<Purpose>) {
        let mut keys = inventory();
        let mut openai = key("OpenAI prod", "openai", "prod");
        openai.scopes = vec!["openai:*:*".into()];
        keys.push(openai);
        let mut purposes = purposes();
        purposes.push(purpose("Summariser", "openai:chat:write"));
        (keys, purposes)
    }

    fn labels(query: &str) -> Vec<String> {
        let (keys, purposes) = with_openai();
        quick_search(&keys, &purposes, query, QUICK_LIMIT)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn typing_agent_offers_a_new_agent_key_for_what_the_gateway_fronts() {
        let fronted = [
            "New agent key for Never copied",
            "New agent key for OpenAI prod",
            "New agent key for Summariser",
        ];
        for query in ["agent", "Agents", "new agent key", "agent for"] {
            assert_eq!(labels(query), fronted, "query {query:?}");
        }
        // "Never copied" is an OpenAI key too: named, it is the one offered.
        assert_eq!(labels("agent never"), ["New agent key for Never copied"]);
        assert_eq!(labels("agent summ"), ["New agent key for Summariser"]);
        // GitHub keys and purposes cannot back an agent key.
        assert!(labels("agent github").is_empty());
        let (keys, purposes) = with_openai();
        let items = quick_search(&keys, &purposes, "agent summ", QUICK_LIMIT);
        assert_eq!(items[0].kind, QuickKind::AgentForPurpose);
        assert!(items[0].mints_agent_key());
        assert_eq!(
            items[0].request(),
            CopyRequest::Purpose("Summariser".into())
        );
    }

    #[test]
    fn a_purpose_found_by_name_is_followed_by_its_new_agent_key() {
        assert_eq!(
            labels("summariser"),
            ["For Summariser", "New agent key for Summariser"]
        );
        // A purpose the gateway does not front has only its copy.
        assert_eq!(labels("ci deploy"), ["For CI deploy"]);
        // Nothing typed: copies only, as before.
        assert!(labels("").iter().all(|l| !l.starts_with("New agent key")));
        assert_eq!(labels("reader"), ["GitHub reader"]);
    }

    #[test]
    fn copy_menu_lists_pinned_then_recent_then_purposes() {
        let entries = copy_menu(&inventory(), &purposes(), 5);
        let listed: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.id.as_str(), e.label.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("copy-key:GitHub reader", "GitHub reader"),
                ("copy-key:Stripe billing", "Stripe billing (recent)"),
                ("copy-key:GitHub admin", "GitHub admin (recent)"),
                ("copy-purpose:Admin tasks", "For Admin tasks"),
                ("copy-purpose:CI deploy", "For CI deploy"),
            ]
        );
        let one_recent = copy_menu(&inventory(), &[], 1);
        let labels: Vec<&str> = one_recent.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["GitHub reader", "Stripe billing (recent)"]);
        assert!(copy_menu(&[], &[], 5).is_empty());
    }

    #[test]
    fn menu_ids_map_back_to_their_copy() {
        let cases = [
            (
                "copy-key:GitHub reader",
                Some(CopyRequest::Key("GitHub reader".into())),
            ),
            (
                "copy-purpose:CI deploy",
                Some(CopyRequest::Purpose("CI deploy".into())),
            ),
            ("copy-key:", Some(CopyRequest::Key(String::new()))),
            ("due-key:GitHub reader", None),
            ("open", None),
        ];
        for (id, expected) in cases {
            assert_eq!(copy_request_for(id), expected, "{id}");
        }
        for entry in copy_menu(&inventory(), &purposes(), 5) {
            assert!(copy_request_for(&entry.id).is_some(), "{}", entry.id);
        }
    }

    #[test]
    fn hint_says_what_to_do() {
        assert_eq!(copy_menu_hint(false), "Unlock Till to copy keys");
        assert!(copy_menu_hint(true).contains("Pin keys"));
    }
}
