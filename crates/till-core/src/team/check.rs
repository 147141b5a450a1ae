//! Checking a team file against the real inventory.
//!
//! A ticked box proves nothing; the inventory does. Each policy and each self-checking
//! checklist item is evaluated against the active keys it applies to, and every key
//! that breaks it is listed with why and the fix Till can start (set an owner, start a
//! rotation, create a narrower key…). Manual items are open until a person ticks them,
//! with their name and the date; open manual items are listed but do not fail a check.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::file::{Rule, Scope, TeamFile};
use crate::model::{KeyMeta, KeyStatus};
use crate::reminders::policy::is_production;
use crate::scopes::Scope as KeyScope;

/// What Till can do about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Fix {
    SetOwner,
    StartRotation,
    NarrowerKey,
    SetExpiry,
    DeclareScopes,
    SetRotationPolicy,
    /// Cap or revoke its agent keys (the Agents view).
    CapAgentKeys,
    /// A key written in a file: start the leaked-key runbook (the Leaks view).
    LeakedKey,
    /// A path the team file names could not be scanned: correct it.
    CheckPath,
}

/// A key a scan found written in a file, as the `no_hardcoded_keys` rule reports it:
/// where, and which key by name or redacted fingerprint, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardcodedKey {
    /// The file, as shown to the user.
    pub path: String,
    pub line: usize,
    /// The vault key's name, when the value is one of the vault's.
    pub key: Option<String>,
    pub provider: String,
    /// Redacted (`sk_…WXYZ`).
    pub fingerprint: String,
}

/// What scanning each path of a `no_hardcoded_keys` rule found, by the path as the team
/// file writes it; an error says why the path could not be scanned.
pub type Scans = BTreeMap<String, Result<Vec<HardcodedKey>, String>>;

/// What the rules need to know of an active agent key: which key it spends, and whether
/// it has an expiry and a dollar or call cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentKeyFacts {
    pub key_id: String,
    pub label: String,
    pub expires: bool,
    pub capped: bool,
}

/// One key breaking one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Finding {
    pub key: String,
    pub why: String,
    pub fix: Fix,
}

/// A manual item's tick: who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Tick {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Ticks by checklist id and item text.
pub type Ticks = BTreeMap<String, Tick>;

/// The key a tick is stored under.
pub fn tick_key(checklist: &str, item: &str) -> String {
    format!("{checklist}\u{1f}{item}")
}

/// Where an item or policy stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Status {
    Pass,
    Fail {
        findings: Vec<Finding>,
    },
    /// A manual item nobody ticked yet.
    Open,
    Ticked {
        tick: Tick,
    },
}

/// One policy or checklist item, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Checked {
    pub text: String,
    pub rule: Option<Rule>,
    pub status: Status,
}

/// A checklist, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CheckedList {
    pub id: String,
    pub title: String,
    pub items: Vec<Checked>,
}

/// The whole report: compliant when no policy or self-checking item fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Compliance {
    pub team: String,
    pub checked_at: DateTime<Utc>,
    pub compliant: bool,
    pub policies: Vec<Checked>,
    pub checklists: Vec<CheckedList>,
    /// Manual items still to tick.
    pub open_items: usize,
}

fn applies(scope: &Scope, key: &KeyMeta) -> bool {
    let env_ok = scope.environments.is_empty()
        || scope.environments.iter().any(|env| {
            env.eq_ignore_ascii_case(&key.environment)
                || (is_production(env) && is_production(&key.environment))
        });
    let provider_ok = scope.providers.is_empty()
        || scope
            .providers
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&key.provider));
    key.status == KeyStatus::Active && env_ok && provider_ok
}

/// Why `key` breaks `rule` at `now`, if it does.
fn breaks(
    rule: &Rule,
    key: &KeyMeta,
    agents: &[AgentKeyFacts],
    now: DateTime<Utc>,
) -> Option<Finding> {
    let finding = |why: String, fix| Finding {
        key: key.name.clone(),
        why,
        fix,
    };
    match rule {
        Rule::MaxAgeDays { days } => {
            let days = *days;
            let age = (now - key.last_rotated_at).num_days();
            (age > i64::from(days)).then(|| {
                finding(
                    format!("last rotated {age} days ago; the limit is {days}"),
                    Fix::StartRotation,
                )
            })
        }
        Rule::NoFullAccess => {
            let full: Vec<&String> = key
                .scopes
                .iter()
                .filter(|s| {
                    s.parse::<KeyScope>()
                        .is_ok_and(|scope| scope.resource == "*")
                })
                .collect();
            (!full.is_empty()).then(|| {
                let list: Vec<&str> = full.iter().map(|s| s.as_str()).collect();
                finding(
                    format!("grants full access ({})", list.join(", ")),
                    Fix::NarrowerKey,
                )
            })
        }
        Rule::OwnerRequired => key
            .owner
            .is_none()
            .then(|| finding("has no owner".into(), Fix::SetOwner)),
        Rule::ExpiryRequired => key
            .expires_at
            .is_none()
            .then(|| finding("has no expiry date".into(), Fix::SetExpiry)),
        Rule::ScopesDeclared => key
            .scopes
            .is_empty()
            .then(|| finding("has no scopes recorded".into(), Fix::DeclareScopes)),
        Rule::RotationPolicyRequired => key.rotate_every_days.is_none().then(|| {
            finding(
                "has no rotation interval of its own".into(),
                Fix::SetRotationPolicy,
            )
        }),
        Rule::AgentKeysCapped => {
            let loose: Vec<String> = agents
                .iter()
                .filter(|agent| agent.key_id == key.id && !(agent.expires && agent.capped))
                .map(|agent| {
                    let missing = match (agent.expires, agent.capped) {
                        (false, false) => "no expiry and no dollar or call cap",
                        (false, true) => "no expiry",
                        _ => "no dollar or call cap",
                    };
                    format!("agent key '{}' has {missing}", agent.label)
                })
                .collect();
            (!loose.is_empty()).then(|| finding(loose.join("; "), Fix::CapAgentKeys))
        }
        // Not a property of a key in the inventory: see `hardcoded`.
        Rule::NoHardcodedKeys { .. } => None,
    }
}

/// The keys found written under `paths`, one finding per key naming where (the places
/// in file order, the first few in full); a path that could not be scanned is a finding
/// of its own. Vault keys are filtered by `scope` like the other rules; a key that is
/// not in the vault has no environment and counts unless the rule names environments.
fn hardcoded(paths: &[String], scope: &Scope, keys: &[KeyMeta], scans: &Scans) -> Vec<Finding> {
    const SHOWN: usize = 3;
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut findings = Vec::new();
    for path in paths {
        let found = match scans.get(path) {
            Some(Ok(found)) => found,
            Some(Err(error)) => {
                findings.push(Finding {
                    key: path.clone(),
                    why: format!("could not be scanned: {error}"),
                    fix: Fix::CheckPath,
                });
                continue;
            }
            None => {
                findings.push(Finding {
                    key: path.clone(),
                    why: "was not scanned".into(),
                    fix: Fix::CheckPath,
                });
                continue;
            }
        };
        for hit in found {
            let counts = match &hit.key {
                Some(name) => keys.iter().any(|k| &k.name == name && applies(scope, k)),
                None => {
                    scope.environments.is_empty()
                        && (scope.providers.is_empty()
                            || scope
                                .providers
                                .iter()
                                .any(|p| p.eq_ignore_ascii_case(&hit.provider)))
                }
            };
            if !counts {
                continue;
            }
            let who = match &hit.key {
                Some(name) => format!("{name} ({})", hit.fingerprint),
                None => format!("a {} key not in Till ({})", hit.provider, hit.fingerprint),
            };
            by_key
                .entry(who)
                .or_default()
                .push(format!("{}:{}", hit.path, hit.line));
        }
    }
    for (key, places) in by_key {
        let more = places.len().saturating_sub(SHOWN);
        let mut why = format!(
            "hardcoded in {}",
            places[..places.len().min(SHOWN)].join(", ")
        );
        if more > 0 {
            why.push_str(&format!(" and {more} more"));
        }
        findings.push(Finding {
            key,
            why,
            fix: Fix::LeakedKey,
        });
    }
    findings
}

fn check_rule(rule: &Rule, scope: &Scope, facts: &Facts<'_>, now: DateTime<Utc>) -> Status {
    let findings: Vec<Finding> = match rule {
        Rule::NoHardcodedKeys { paths } => hardcoded(paths, scope, facts.keys, facts.scans),
        _ => facts
            .keys
            .iter()
            .filter(|k| applies(scope, k))
            .filter_map(|k| breaks(rule, k, facts.agents, now))
            .collect(),
    };
    if findings.is_empty() {
        Status::Pass
    } else {
        Status::Fail { findings }
    }
}

/// What the rules are checked against: the inventory, its active agent keys, and what
/// scanning the `no_hardcoded_keys` paths found.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub keys: &'a [KeyMeta],
    pub agents: &'a [AgentKeyFacts],
    pub scans: &'a Scans,
}

impl TeamFile {
    /// Every path a `no_hardcoded_keys` rule names, once, in file order: what to scan
    /// before [`check`].
    pub fn scan_paths(&self) -> Vec<String> {
        let rules = self.policies.iter().map(|p| &p.rule).chain(
            self.checklists
                .iter()
                .flat_map(|l| l.items.iter())
                .filter_map(|i| i.rule.as_ref()),
        );
        let mut paths: Vec<String> = Vec::new();
        for rule in rules {
            if let Rule::NoHardcodedKeys { paths: named } = rule {
                for path in named {
                    if !paths.contains(path) {
                        paths.push(path.clone());
                    }
                }
            }
        }
        paths
    }
}

/// Checks `file` against the `facts` at `now`, with the manual items' `ticks`.
pub fn check(file: &TeamFile, facts: &Facts<'_>, ticks: &Ticks, now: DateTime<Utc>) -> Compliance {
    let policies: Vec<Checked> = file
        .policies
        .iter()
        .map(|policy| Checked {
            text: policy
                .description
                .clone()
                .unwrap_or_else(|| policy.id.clone()),
            rule: Some(policy.rule.clone()),
            status: check_rule(&policy.rule, &policy.applies_to, facts, now),
        })
        .collect();
    let checklists: Vec<CheckedList> = file
        .checklists
        .iter()
        .map(|list| CheckedList {
            id: list.id.clone(),
            title: list.title.clone(),
            items: list
                .items
                .iter()
                .map(|item| Checked {
                    text: item.text.clone(),
                    rule: item.rule.clone(),
                    status: match &item.rule {
                        Some(rule) => check_rule(rule, &item.applies_to, facts, now),
                        None => match ticks.get(&tick_key(&list.id, &item.text)) {
                            Some(tick) => Status::Ticked { tick: tick.clone() },
                            None => Status::Open,
                        },
                    },
                })
                .collect(),
        })
        .collect();
    let all = || {
        policies
            .iter()
            .chain(checklists.iter().flat_map(|l| l.items.iter()))
    };
    Compliance {
        team: file.name.clone(),
        checked_at: now,
        compliant: !all().any(|c| matches!(c.status, Status::Fail { .. })),
        open_items: all().filter(|c| c.status == Status::Open).count(),
        policies,
        checklists,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;
    use crate::team::file::parse;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The check with nothing scanned (the rules about the inventory).
    fn check(
        file: &TeamFile,
        keys: &[KeyMeta],
        agents: &[AgentKeyFacts],
        ticks: &Ticks,
        now: DateTime<Utc>,
    ) -> Compliance {
        let scans = Scans::new();
        super::check(
            file,
            &Facts {
                keys,
                agents,
                scans: &scans,
            },
            ticks,
            now,
        )
    }

    fn inventory() -> Vec<KeyMeta> {
        let mut prod = key("Stripe prod", "stripe", "production");
        prod.scopes = vec!["stripe:*:*".into()];
        prod.last_rotated_at = at("2026-01-01T00:00:00Z");
        let mut owned = key("GitHub prod", "github", "prod");
        owned.owner = Some("ada".into());
        owned.scopes = vec!["github:contents:read".into()];
        owned.expires_at = Some(at("2027-01-01T00:00:00Z"));
        owned.rotate_every_days = Some(30);
        owned.last_rotated_at = at("2026-05-20T00:00:00Z");
        let dev = key("Dev key", "openai", "dev");
        let mut revoked = key("Old prod", "openai", "prod");
        revoked.status = KeyStatus::Revoked;
        vec![prod, owned, dev, revoked]
    }

    /// Agent keys on the inventory's keys: one loose on "Dev key", one capped on "Stripe prod".
    fn agents() -> Vec<AgentKeyFacts> {
        let inventory = inventory();
        let id = |name: &str| {
            inventory
                .iter()
                .find(|k| k.name == name)
                .unwrap()
                .id
                .clone()
        };
        vec![
            AgentKeyFacts {
                key_id: id("Dev key"),
                label: "nightly bot".into(),
                expires: true,
                capped: false,
            },
            AgentKeyFacts {
                key_id: id("Stripe prod"),
                label: "refunds agent".into(),
                expires: true,
                capped: true,
            },
        ]
    }

    #[test]
    fn agent_keys_without_an_expiry_and_a_cap_are_findings_on_their_key() {
        assert_eq!(failing("agent_keys_capped", ""), ["Dev key"]);
        let file =
            parse("[team]\nname = \"T\"\n[[policy]]\nid = \"p\"\nrule = \"agent_keys_capped\"\n")
                .unwrap();
        let report = check(
            &file,
            &inventory(),
            &agents(),
            &Ticks::new(),
            at("2026-06-01T00:00:00Z"),
        );
        let Status::Fail { findings } = &report.policies[0].status else {
            panic!("expected a finding");
        };
        assert_eq!(
            findings[0].why,
            "agent key 'nightly bot' has no dollar or call cap"
        );
        assert_eq!(findings[0].fix, Fix::CapAgentKeys);
        let none = check(
            &file,
            &inventory(),
            &[],
            &Ticks::new(),
            at("2026-06-01T00:00:00Z"),
        );
        assert_eq!(none.policies[0].status, Status::Pass);
    }

    fn failing(rule: &str, extra: &str) -> Vec<String> {
        let file = parse(&format!(
            "[team]\nname = \"T\"\n[[policy]]\nid = \"p\"\nrule = \"{rule}\"\n{extra}"
        ))
        .unwrap();
        let report = check(
            &file,
            &inventory(),
            &agents(),
            &Ticks::new(),
            at("2026-06-01T00:00:00Z"),
        );
        match &report.policies[0].status {
            Status::Fail { findings } => findings.iter().map(|f| f.key.clone()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn each_rule_finds_the_keys_that_break_it_and_skips_revoked_ones() {
        assert_eq!(
            failing("max_age_days", "days = 90"),
            ["Stripe prod", "Dev key"]
        );
        assert_eq!(failing("no_full_access", ""), ["Stripe prod"]);
        assert_eq!(failing("owner_required", ""), ["Stripe prod", "Dev key"]);
        assert_eq!(failing("expiry_required", ""), ["Stripe prod", "Dev key"]);
        assert_eq!(failing("scopes_declared", ""), ["Dev key"]);
        assert_eq!(
            failing("rotation_policy_required", ""),
            ["Stripe prod", "Dev key"]
        );
    }

    #[test]
    fn environment_and_provider_filters_narrow_the_keys() {
        // "prod" also means "production".
        assert_eq!(
            failing("owner_required", "environments = [\"prod\"]"),
            ["Stripe prod"]
        );
        assert_eq!(
            failing("owner_required", "environments = [\"dev\"]"),
            ["Dev key"]
        );
        assert_eq!(
            failing("owner_required", "providers = [\"openai\"]"),
            ["Dev key"]
        );
        assert!(failing("owner_required", "environments = [\"staging\"]").is_empty());
    }

    #[test]
    fn manual_items_are_open_until_ticked_and_do_not_fail_the_check() {
        let file = parse(
            "[team]\nname = \"T\"\n[[checklist]]\nid = \"c\"\ntitle = \"C\"\n\
             [[checklist.item]]\ntext = \"Review console access\"\n",
        )
        .unwrap();
        let now = at("2026-06-01T00:00:00Z");
        let open = check(&file, &inventory(), &[], &Ticks::new(), now);
        assert!(open.compliant);
        assert_eq!(open.open_items, 1);
        let mut ticks = Ticks::new();
        ticks.insert(
            tick_key("c", "Review console access"),
            Tick {
                by: "Grace".into(),
                at: now,
            },
        );
        let ticked = check(&file, &inventory(), &[], &ticks, now);
        assert_eq!(ticked.open_items, 0);
        assert!(matches!(
            ticked.checklists[0].items[0].status,
            Status::Ticked { .. }
        ));
    }

    #[test]
    fn a_failing_policy_makes_the_team_non_compliant_and_names_the_fix() {
        let file =
            parse("[team]\nname = \"T\"\n[[policy]]\nid = \"full\"\nrule = \"no_full_access\"\n")
                .unwrap();
        let report = check(
            &file,
            &inventory(),
            &[],
            &Ticks::new(),
            at("2026-06-01T00:00:00Z"),
        );
        assert!(!report.compliant);
        let Status::Fail { findings } = &report.policies[0].status else {
            panic!("should fail");
        };
        assert_eq!(findings[0].fix, Fix::NarrowerKey);
        assert_eq!(findings[0].why, "grants full access (stripe:*:*)");
    }

    fn hit(path: &str, line: usize, key: Option<&str>, provider: &str) -> HardcodedKey {
        HardcodedKey {
            path: path.into(),
            line,
            key: key.map(Into::into),
            provider: provider.into(),
            fingerprint: "sk_…WXYZ".into(),
        }
    }

    #[test]
    fn hardcoded_keys_fail_the_rule_naming_each_key_redacted_and_where() {
        let file = parse(
            "[team]\nname = \"T\"\n[[policy]]\nid = \"p\"\nrule = \"no_hardcoded_keys\"\n\
             paths = [\"services\", \"web\", \"gone\"]\n",
        )
        .unwrap();
        assert_eq!(file.scan_paths(), ["services", "web", "gone"]);
        let mut scans = Scans::new();
        scans.insert(
            "services".into(),
            Ok(vec![
                hit("services/.env", 3, Some("Stripe prod"), "stripe"),
                hit("services/a.py", 9, None, "openai"),
            ]),
        );
        let many = (1..=5).map(|line| hit("web/app.js", line, Some("Stripe prod"), "stripe"));
        scans.insert("web".into(), Ok(many.collect()));
        scans.insert("gone".into(), Err("gone: No such file or directory".into()));
        let keys = inventory();
        let facts = Facts {
            keys: &keys,
            agents: &[],
            scans: &scans,
        };
        let report = super::check(&file, &facts, &Ticks::new(), at("2026-06-01T00:00:00Z"));
        assert!(!report.compliant);
        let Status::Fail { findings } = &report.policies[0].status else {
            panic!("expected findings");
        };
        let shown: Vec<(&str, &str, Fix)> = findings
            .iter()
            .map(|f| (f.key.as_str(), f.why.as_str(), f.fix))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "gone",
                    "could not be scanned: gone: No such file or directory",
                    Fix::CheckPath
                ),
                (
                    "Stripe prod (sk_…WXYZ)",
                    "hardcoded in services/.env:3, web/app.js:1, web/app.js:2 and 3 more",
                    Fix::LeakedKey
                ),
                (
                    "a openai key not in Till (sk_…WXYZ)",
                    "hardcoded in services/a.py:9",
                    Fix::LeakedKey
                ),
            ]
        );
    }

    #[test]
    fn clean_paths_pass_and_scopes_narrow_what_counts() {
        let rule = |extra: &str| {
            parse(&format!(
                "[team]\nname = \"T\"\n[[policy]]\nid = \"p\"\nrule = \"no_hardcoded_keys\"\n\
                 paths = [\"src\"]\n{extra}"
            ))
            .unwrap()
        };
        let keys = inventory();
        let status = |file: &TeamFile, found: Vec<HardcodedKey>| {
            let scans = Scans::from([("src".to_owned(), Ok(found))]);
            let facts = Facts {
                keys: &keys,
                agents: &[],
                scans: &scans,
            };
            super::check(file, &facts, &Ticks::new(), at("2026-06-01T00:00:00Z")).policies[0]
                .status
                .clone()
        };
        assert_eq!(status(&rule(""), vec![]), Status::Pass);
        let found = || {
            vec![
                hit("src/.env", 1, Some("Dev key"), "openai"),
                hit("src/.env", 2, None, "github"),
            ]
        };
        // Only prod keys: the dev key and the key Till does not know are left out.
        assert_eq!(
            status(&rule("environments = [\"prod\"]"), found()),
            Status::Pass
        );
        let Status::Fail { findings } = status(&rule("providers = [\"github\"]"), found()) else {
            panic!("the github key counts");
        };
        assert_eq!(findings.len(), 1);
        assert!(findings[0].key.starts_with("a github key"), "{findings:?}");
    }
}
