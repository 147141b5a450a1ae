//! Team policies and checklists, from a team file checked against the inventory.
//!
//! `file` parses the TOML a team lead commits (with line and column for every problem),
//! `check` evaluates it against the real keys, and `report` renders the result as
//! Markdown for the lead (JSON comes from serde).

pub mod check;
pub mod file;
pub mod report;

pub use check::{check, Compliance, Facts, Finding, Fix, HardcodedKey, Scans, Status, Tick, Ticks};
pub use file::{parse, FileProblem, Rule, TeamFile};

/// Till's own checklists (onboarding, offboarding, quarterly audit, leaked key, AI agent
/// keys), from `checklists/*.toml`, as a team file of their own.
pub fn builtin() -> TeamFile {
    let mut checklists = Vec::new();
    for (file, text) in crate::training::CHECKLIST_FILES {
        let wrapped = format!("[team]\nname = \"Till\"\n{text}");
        let parsed = parse(&wrapped)
            .unwrap_or_else(|problems| panic!("checklists/{file} is invalid: {problems:?}"));
        checklists.extend(parsed.checklists);
    }
    TeamFile {
        name: "Till's built-in checklists".into(),
        policies: Vec::new(),
        checklists,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_five_built_in_checklists_load() {
        let ids: Vec<String> = super::builtin()
            .checklists
            .into_iter()
            .map(|c| c.id)
            .collect();
        for wanted in [
            "onboarding",
            "offboarding",
            "quarterly-audit",
            "leaked-key",
            "ai-agent",
        ] {
            assert!(
                ids.iter().any(|id| id == wanted),
                "{wanted} missing from {ids:?}"
            );
        }
    }
}
