//! The team file: a TOML file a team lead commits next to the code, with the team's key
//! policies and checklists.
//!
//! Parsing is strict, because a policy silently ignored is worse than an error: unknown
//! fields and unknown rules are errors, each with the line and column where it is, and a
//! rule's parameters are checked (`max_age_days` needs `days`; nothing else takes it).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use ts_rs::TS;

/// A rule that can be checked against the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[ts(export)]
pub enum Rule {
    /// Keys must have been rotated within this many days.
    MaxAgeDays { days: u32 },
    /// No key may grant full access (`provider:*:*` or `provider:resource:*` on `*`).
    NoFullAccess,
    /// Every key has an owner.
    OwnerRequired,
    /// Every key has an expiry date.
    ExpiryRequired,
    /// Every key has its scopes recorded.
    ScopesDeclared,
    /// Every key has its own rotation interval set.
    RotationPolicyRequired,
    /// Every active agent key on a key has an expiry and a dollar or call cap.
    AgentKeysCapped,
    /// No key (a vault key, a provider key, an agent token) is written in a file under
    /// these paths (absolute, `~/…`, or relative to the team file's folder).
    NoHardcodedKeys { paths: Vec<String> },
}

/// The rule names a team file may use.
pub const RULE_NAMES: &[&str] = &[
    "max_age_days",
    "no_full_access",
    "owner_required",
    "expiry_required",
    "scopes_declared",
    "rotation_policy_required",
    "agent_keys_capped",
    "no_hardcoded_keys",
];

/// Which keys a rule looks at; empty lists mean all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Scope {
    pub environments: Vec<String>,
    pub providers: Vec<String>,
}

/// A policy: a rule that must hold, always.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TeamPolicy {
    pub id: String,
    pub description: Option<String>,
    pub rule: Rule,
    pub applies_to: Scope,
}

/// One item of a checklist: self-checking (with a rule) or manual (ticked by a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChecklistItem {
    pub text: String,
    pub rule: Option<Rule>,
    pub applies_to: Scope,
}

/// A checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Checklist {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub items: Vec<ChecklistItem>,
}

/// A parsed team file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TeamFile {
    pub name: String,
    pub policies: Vec<TeamPolicy>,
    pub checklists: Vec<Checklist>,
}

/// One problem in a team file, with where it is (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FileProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    team: Spanned<RawTeam>,
    #[serde(default)]
    policy: Vec<RawPolicy>,
    #[serde(default)]
    checklist: Vec<RawChecklist>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    rule: Spanned<String>,
    days: Option<Spanned<i64>>,
    paths: Option<Spanned<Vec<String>>>,
    description: Option<String>,
    #[serde(default)]
    environments: Vec<String>,
    #[serde(default)]
    providers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    id: Spanned<String>,
    title: String,
    description: Option<String>,
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    text: Spanned<String>,
    rule: Option<Spanned<String>>,
    days: Option<Spanned<i64>>,
    paths: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    environments: Vec<String>,
    #[serde(default)]
    providers: Vec<String>,
}

/// Line and column (1-based) of a byte offset.
fn place(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Problems<'a> {
    text: &'a str,
    found: Vec<FileProblem>,
}

impl Problems<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = place(self.text, offset);
        self.found.push(FileProblem {
            line,
            column,
            message: message.into(),
        });
    }
}

/// Turns a rule name and its `days` or `paths` into a [`Rule`], or records why not.
fn rule(
    problems: &mut Problems<'_>,
    name: &Spanned<String>,
    days: Option<&Spanned<i64>>,
    paths: Option<&Spanned<Vec<String>>>,
) -> Option<Rule> {
    let at = name.span().start;
    let parsed = match name.get_ref().as_str() {
        "max_age_days" => match days {
            Some(days) if (1..=3650).contains(days.get_ref()) => Some(Rule::MaxAgeDays {
                days: u32::try_from(*days.get_ref()).unwrap_or(3650),
            }),
            Some(days) => {
                problems.at(days.span().start, "days must be between 1 and 3650");
                return None;
            }
            None => {
                problems.at(
                    at,
                    "max_age_days needs `days = N` (the longest a key may go unrotated)",
                );
                return None;
            }
        },
        "no_full_access" => Some(Rule::NoFullAccess),
        "owner_required" => Some(Rule::OwnerRequired),
        "expiry_required" => Some(Rule::ExpiryRequired),
        "scopes_declared" => Some(Rule::ScopesDeclared),
        "rotation_policy_required" => Some(Rule::RotationPolicyRequired),
        "agent_keys_capped" => Some(Rule::AgentKeysCapped),
        "no_hardcoded_keys" => match paths {
            Some(paths)
                if paths.get_ref().iter().all(|p| !p.trim().is_empty())
                    && !paths.get_ref().is_empty() =>
            {
                Some(Rule::NoHardcodedKeys {
                    paths: paths
                        .get_ref()
                        .iter()
                        .map(|p| p.trim().to_owned())
                        .collect(),
                })
            }
            Some(paths) => {
                problems.at(
                    paths.span().start,
                    "paths must name at least one folder, none empty",
                );
                return None;
            }
            None => {
                problems.at(
                    at,
                    "no_hardcoded_keys needs `paths = [\"…\"]` (the folders to scan, relative to this file)",
                );
                return None;
            }
        },
        other => {
            problems.at(
                at,
                format!(
                    "unknown rule '{other}': use one of {}",
                    RULE_NAMES.join(", ")
                ),
            );
            return None;
        }
    };
    if let (Some(days), Some(rule)) = (days, &parsed) {
        if !matches!(rule, Rule::MaxAgeDays { .. }) {
            problems.at(
                days.span().start,
                "`days` only applies to the max_age_days rule",
            );
        }
    }
    if let (Some(paths), Some(rule)) = (paths, &parsed) {
        if !matches!(rule, Rule::NoHardcodedKeys { .. }) {
            problems.at(
                paths.span().start,
                "`paths` only applies to the no_hardcoded_keys rule",
            );
        }
    }
    parsed
}

/// Parses a team file; every problem found is returned, each with its line and column.
pub fn parse(text: &str) -> Result<TeamFile, Vec<FileProblem>> {
    let raw: RawFile = toml::from_str(text).map_err(|error| {
        let (line, column) = error.span().map_or((1, 1), |span| place(text, span.start));
        vec![FileProblem {
            line,
            column,
            message: error.message().trim().to_owned(),
        }]
    })?;
    let mut problems = Problems {
        text,
        found: Vec::new(),
    };
    let name = raw.team.get_ref().name.get_ref().trim().to_owned();
    if name.is_empty() {
        problems.at(
            raw.team.get_ref().name.span().start,
            "the team needs a name",
        );
    }
    let mut ids = HashSet::new();
    let mut unique = |problems: &mut Problems<'_>, id: &Spanned<String>, what: &str| {
        let text = id.get_ref().trim().to_owned();
        if text.is_empty() {
            problems.at(id.span().start, format!("the {what} needs an id"));
        } else if !ids.insert(text.clone()) {
            problems.at(id.span().start, format!("the id '{text}' is used twice"));
        }
        text
    };
    let mut policies = Vec::new();
    for raw_policy in &raw.policy {
        let id = unique(&mut problems, &raw_policy.id, "policy");
        if let Some(rule) = rule(
            &mut problems,
            &raw_policy.rule,
            raw_policy.days.as_ref(),
            raw_policy.paths.as_ref(),
        ) {
            policies.push(TeamPolicy {
                id,
                description: raw_policy.description.clone(),
                rule,
                applies_to: Scope {
                    environments: raw_policy.environments.clone(),
                    providers: raw_policy.providers.clone(),
                },
            });
        }
    }
    let mut checklists = Vec::new();
    for raw_list in &raw.checklist {
        let id = unique(&mut problems, &raw_list.id, "checklist");
        let mut items = Vec::new();
        for raw_item in &raw_list.item {
            if raw_item.text.get_ref().trim().is_empty() {
                problems.at(raw_item.text.span().start, "a checklist item needs text");
            }
            let item_rule = match &raw_item.rule {
                Some(name) => match rule(
                    &mut problems,
                    name,
                    raw_item.days.as_ref(),
                    raw_item.paths.as_ref(),
                ) {
                    Some(rule) => Some(rule),
                    None => continue,
                },
                None => {
                    if let Some(days) = &raw_item.days {
                        problems.at(days.span().start, "`days` needs `rule = \"max_age_days\"`");
                    }
                    if let Some(paths) = &raw_item.paths {
                        problems.at(
                            paths.span().start,
                            "`paths` needs `rule = \"no_hardcoded_keys\"`",
                        );
                    }
                    None
                }
            };
            items.push(ChecklistItem {
                text: raw_item.text.get_ref().trim().to_owned(),
                rule: item_rule,
                applies_to: Scope {
                    environments: raw_item.environments.clone(),
                    providers: raw_item.providers.clone(),
                },
            });
        }
        checklists.push(Checklist {
            id,
            title: raw_list.title.clone(),
            description: raw_list.description.clone(),
            items,
        });
    }
    if problems.found.is_empty() {
        Ok(TeamFile {
            name,
            policies,
            checklists,
        })
    } else {
        Err(problems.found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[team]
name = "Payments"

[[policy]]
id = "prod-rotation"
rule = "max_age_days"
days = 90
environments = ["prod"]

[[policy]]
id = "owners"
rule = "owner_required"

[[checklist]]
id = "quarterly-audit"
title = "Quarterly key audit"
  [[checklist.item]]
  text = "Every prod key has an owner"
  rule = "owner_required"
  environments = ["prod"]
  [[checklist.item]]
  text = "Review who can reach the provider consoles"
"#;

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_documented_example_parses() {
        let file = parse(EXAMPLE).unwrap();
        assert_eq!(file.name, "Payments");
        assert_eq!(file.policies[0].rule, Rule::MaxAgeDays { days: 90 });
        assert_eq!(file.policies[0].applies_to.environments, ["prod"]);
        assert_eq!(file.checklists[0].items.len(), 2);
        assert_eq!(file.checklists[0].items[0].rule, Some(Rule::OwnerRequired));
        assert_eq!(file.checklists[0].items[1].rule, None);
    }

    #[test]
    fn every_malformed_case_says_where() {
        let cases: &[(&str, &str)] = &[
            ("[team]\nname = \"A\"\n[[policy]\nid = \"x\"\n", "line 3, column"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"max_age_dayz\"\n", "line 5, column 8: unknown rule 'max_age_dayz'"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"max_age_days\"\n", "line 5, column 8: max_age_days needs `days = N`"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"max_age_days\"\ndays = 0\n", "line 6, column 8: days must be between 1 and 3650"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"owner_required\"\ndays = 3\n", "line 6, column 8: `days` only applies"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"owner_required\"\n[[policy]]\nid = \"x\"\nrule = \"owner_required\"\n", "line 7, column 6: the id 'x' is used twice"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"owner_required\"\nenvironment = [\"prod\"]\n", "line 6, column 1: unknown field `environment`"),
            ("[team]\nname = \"\"\n", "line 2, column 8: the team needs a name"),
            ("[[policy]]\nid = \"x\"\nrule = \"owner_required\"\n", "missing field `team`"),
            ("[team]\nname = \"A\"\n[[checklist]]\nid = \"c\"\ntitle = \"C\"\n  [[checklist.item]]\n  text = \"t\"\n  days = 5\n", "line 8, column 10: `days` needs"),
            ("[team]\nname = 5\n", "line 2, column 8"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"no_hardcoded_keys\"\n", "line 5, column 8: no_hardcoded_keys needs `paths"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"no_hardcoded_keys\"\npaths = []\n", "line 6, column 9: paths must name"),
            ("[team]\nname = \"A\"\n[[policy]]\nid = \"x\"\nrule = \"owner_required\"\npaths = [\"src\"]\n", "line 6, column 9: `paths` only applies"),
        ];
        for (text, expected) in cases {
            let found = problems(text);
            assert!(
                found.iter().any(|p| p.contains(expected)),
                "expected {expected:?} in {found:?} for\n{text}"
            );
        }
    }

    #[test]
    fn all_problems_are_reported_not_just_the_first() {
        let found = problems(
            "[team]\nname = \"A\"\n[[policy]]\nid = \"a\"\nrule = \"nope\"\n[[policy]]\nid = \"b\"\nrule = \"also_nope\"\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
