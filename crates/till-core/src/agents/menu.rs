//! The tray's "Agents (N active)" submenu, as data: which entries, in which order, with
//! which labels and ids. The shell only turns these into menu items and routes clicks.
//!
//! An entry shows what a person glancing at the tray needs: the agent key's label and
//! how much of its tightest cap is spent ("nightly · $0.42 / $0.50"). While the vault is
//! locked the labels are not shown (like the Due menu's key names), only the spend.

use super::alerts::usd;
use super::grant::{Caps, GrantState};
use super::usage::UsageTotals;

/// Ids of the submenu's entries; a grant's entry is this prefix and the grant's id.
pub const AGENT_ID: &str = "agent:";
/// "Stop all agents" (revokes every active grant).
pub const STOP_ALL_ID: &str = "agents-stop-all";
/// The disabled line shown when no agent key is active.
pub const NONE_ID: &str = "agents-none";
/// Entries beyond this many are summarised in one line.
pub const MAX_ENTRIES: usize = 12;

/// What the menu needs of a grant.
#[derive(Debug, Clone)]
pub struct MenuGrant<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub state: GrantState,
    pub caps: &'a Caps,
    pub used: &'a UsageTotals,
}

/// One entry: its id and label, and whether it can be clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentsEntry {
    pub id: String,
    pub label: String,
    pub enabled: bool,
}

/// The submenu: its title and entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentsMenu {
    pub title: String,
    pub entries: Vec<AgentsEntry>,
    pub active: usize,
}

/// "$0.42 / $0.50", "42 / 100 calls", "12k / 50k tokens", or "$0.42 spent" with no cap:
/// the cap closest to its limit is the one that matters.
pub fn spend_line(caps: &Caps, used: &UsageTotals) -> String {
    let tokens = used.input_tokens.saturating_add(used.output_tokens);
    let candidates = [
        (
            caps.micro_usd,
            used.micro_usd,
            format!(
                "{} / {}",
                usd(used.micro_usd),
                usd(caps.micro_usd.unwrap_or(0))
            ),
        ),
        (
            caps.calls,
            used.calls,
            format!("{} / {} calls", used.calls, caps.calls.unwrap_or(0)),
        ),
        (
            caps.tokens,
            tokens,
            format!("{} / {} tokens", tokens, caps.tokens.unwrap_or(0)),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(cap, used, text)| {
            cap.filter(|c| *c > 0)
                .map(|c| (used as f64 / c as f64, text))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, text)| text)
        .unwrap_or_else(|| format!("{} spent, no cap", usd(used.micro_usd)))
}

/// The submenu for `grants` (any order; active ones are listed, newest first as given).
pub fn agents_menu(grants: &[MenuGrant<'_>], named: bool) -> AgentsMenu {
    let active: Vec<&MenuGrant<'_>> = grants
        .iter()
        .filter(|g| g.state == GrantState::Active)
        .collect();
    let mut entries: Vec<AgentsEntry> = active
        .iter()
        .take(MAX_ENTRIES)
        .map(|g| {
            let spend = spend_line(g.caps, g.used);
            AgentsEntry {
                id: format!("{AGENT_ID}{}", g.id),
                label: if named {
                    format!("{} · {spend}", g.label)
                } else {
                    format!("Agent key · {spend}")
                },
                enabled: true,
            }
        })
        .collect();
    if active.len() > MAX_ENTRIES {
        entries.push(AgentsEntry {
            id: format!("{AGENT_ID}*"),
            label: format!("{} more in the window…", active.len() - MAX_ENTRIES),
            enabled: true,
        });
    }
    if entries.is_empty() {
        entries.push(AgentsEntry {
            id: NONE_ID.into(),
            label: "No active agent keys".into(),
            enabled: false,
        });
    }
    entries.push(AgentsEntry {
        id: STOP_ALL_ID.into(),
        label: "Stop all agents".into(),
        enabled: !active.is_empty(),
    });
    AgentsMenu {
        title: format!("Agents ({} active)", active.len()),
        entries,
        active: active.len(),
    }
}

/// The grant a clicked entry names, if it is a grant's entry.
pub fn grant_for(id: &str) -> Option<&str> {
    id.strip_prefix(AGENT_ID).filter(|rest| *rest != "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(calls: Option<u64>, micro_usd: Option<u64>) -> Caps {
        Caps {
            calls,
            micro_usd,
            ..Caps::default()
        }
    }

    #[test]
    fn the_tightest_cap_is_shown() {
        let used = UsageTotals {
            calls: 90,
            micro_usd: 420_000,
            ..UsageTotals::default()
        };
        assert_eq!(
            spend_line(&caps(None, Some(500_000)), &used),
            "$0.4200 / $0.5000"
        );
        assert_eq!(
            spend_line(&caps(Some(100), Some(5_000_000)), &used),
            "90 / 100 calls"
        );
        assert_eq!(
            spend_line(&caps(None, None), &used),
            "$0.4200 spent, no cap"
        );
    }

    #[test]
    fn active_grants_are_listed_with_their_spend_and_stop_all_last() {
        let (c, u) = (caps(None, Some(2_000_000)), UsageTotals::default());
        let grants = [
            MenuGrant {
                id: "g_a",
                label: "summariser",
                state: GrantState::Active,
                caps: &c,
                used: &u,
            },
            MenuGrant {
                id: "g_b",
                label: "old",
                state: GrantState::Revoked,
                caps: &c,
                used: &u,
            },
        ];
        let menu = agents_menu(&grants, true);
        assert_eq!(menu.title, "Agents (1 active)");
        let labels: Vec<&str> = menu.entries.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["summariser · $0.0000 / $2.00", "Stop all agents"]);
        assert_eq!(grant_for(&menu.entries[0].id), Some("g_a"));
        assert_eq!(menu.entries[1].id, STOP_ALL_ID);

        let locked = agents_menu(&grants, false);
        assert_eq!(locked.entries[0].label, "Agent key · $0.0000 / $2.00");
    }

    #[test]
    fn no_active_grant_shows_a_disabled_line_and_stop_all_is_off() {
        let menu = agents_menu(&[], true);
        assert_eq!(menu.title, "Agents (0 active)");
        assert_eq!(menu.entries[0].id, NONE_ID);
        assert!(!menu.entries[0].enabled);
        assert!(!menu.entries[1].enabled);
    }
}
