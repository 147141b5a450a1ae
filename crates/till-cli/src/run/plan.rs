//! What a run injects: for every variable of the child's environment, whether it is
//! passed on as it is, gets a key's real value, an agent key, or the gateway's URL.
//!
//! Planning opens no value and mints nothing, so `--dry-run` is this plan printed, and a
//! bad reference stops the run before anything is opened or started. The rules:
//! - sources are read in order (inherited environment, each `--env-file`, each
//!   `--env`), later ones replacing earlier ones; any of them may hold `till://`
//!   references;
//! - `--key`, `--scope` and `--purpose` set the variables the catalog names for the
//!   key's provider; a generic key has none and must be named with `--env VAR=till://…`;
//! - a key of a provider the gateway fronts is only ever an agent key (and the
//!   provider's base URL variables point at the gateway), never its real value;
//! - what Till injects replaces an inherited variable, but a variable set both
//!   explicitly (`--env`, `--env-file`) and by Till, or by two different keys, is an
//!   error rather than a silent choice.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::PathBuf;

use till_core::catalog;
use till_core::vault::CopyPlan;
use till_core::TillError;

use super::references::Reference;

/// Where a variable's assignment came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Inherited,
    EnvFile {
        path: PathBuf,
        line: usize,
    },
    Flag,
    /// Set by Till for a key (`--key`, `--scope`, `--purpose`, or a base URL).
    Till,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inherited => write!(f, "the environment"),
            Self::EnvFile { path, line } => write!(f, "{} line {line}", path.display()),
            Self::Flag => write!(f, "--env"),
            Self::Till => write!(f, "till run"),
        }
    }
}

/// A value before the vault is asked: text, or a reference to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Text(OsString),
    Reference(Reference),
}

/// The variables as given, before any key is resolved.
#[derive(Debug, Default)]
pub struct Assignments {
    vars: BTreeMap<OsString, (Given, Origin)>,
}

impl Assignments {
    /// Sets `name` (a later source replaces an earlier one). A value that starts with
    /// `till://` must be a valid reference.
    pub fn set(
        &mut self,
        name: OsString,
        value: OsString,
        origin: Origin,
    ) -> Result<(), TillError> {
        let given = match value.to_str().and_then(Reference::parse) {
            Some(Ok(reference)) => Given::Reference(reference),
            Some(Err(error)) => {
                return Err(TillError::InvalidInput {
                    what: format!("{} (in {origin})", error),
                })
            }
            None => Given::Text(value),
        };
        self.vars.insert(name, (given, origin));
        Ok(())
    }

    /// Parses `--env VAR=VALUE`.
    pub fn set_flag(&mut self, flag: &str) -> Result<(), TillError> {
        let (name, value) = flag
            .split_once('=')
            .filter(|(name, _)| valid_name(name))
            .ok_or_else(|| TillError::InvalidInput {
                what: format!(
                    "--env '{}': expected VAR=VALUE",
                    flag.split('=').next().unwrap_or("")
                ),
            })?;
        self.set(name.into(), value.into(), Origin::Flag)
    }

    /// The text value of `name`, if it is text (the child's `PATH`, to find the command).
    pub fn text(&self, name: &str) -> Option<&OsStr> {
        match self.vars.get(OsStr::new(name)) {
            Some((Given::Text(value), _)) => Some(value),
            _ => None,
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('\0')
}

/// What one variable of the child's environment gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    /// Passed on as given.
    Text(OsString),
    /// The real value of `keys[i]`.
    RealKey(usize),
    /// The agent key minted for `keys[i]`.
    AgentKey(usize),
    /// The gateway's root plus this path, for `keys[i]`'s provider.
    GatewayUrl(usize, String),
}

/// A key the run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedKey {
    pub name: String,
    pub provider: String,
    /// True when the gateway fronts its provider: it gets an agent key, never its value.
    pub gateway: bool,
    /// True when only a key broader than asked covers the request.
    pub broader: bool,
    /// Why this key, from the copy planner.
    pub why: String,
}

/// The whole plan: the child's environment and the keys it needs.
#[derive(Debug, Default)]
pub struct RunPlan {
    pub vars: BTreeMap<OsString, Var>,
    pub keys: Vec<PlannedKey>,
    /// Said on stderr before the run (an overdue key, an AWS secret not given…).
    pub warnings: Vec<String>,
}

impl RunPlan {
    /// Builds the plan, asking `resolve` (the vault's copy planner) which key each
    /// reference and selector means.
    pub fn build(
        assignments: Assignments,
        selectors: &[Reference],
        mut resolve: impl FnMut(&Reference) -> Result<CopyPlan, TillError>,
    ) -> Result<Self, TillError> {
        let mut plan = Self::default();
        let mut origins: BTreeMap<OsString, Origin> = BTreeMap::new();
        for (name, (given, origin)) in assignments.vars {
            match given {
                Given::Text(value) => {
                    plan.vars.insert(name.clone(), Var::Text(value));
                    origins.insert(name, origin);
                }
                Given::Reference(reference) => {
                    let key = plan.key(&reference, &mut resolve)?;
                    let var = plan.value_var(key);
                    plan.vars.insert(name.clone(), var);
                    origins.insert(name, origin);
                    plan.gateway_urls(key, &mut origins)?;
                }
            }
        }
        for selector in selectors {
            let key = plan.key(selector, &mut resolve)?;
            let run = &catalog::provider_or_generic(&plan.keys[key].provider).run;
            if run.key_vars.is_empty() {
                return Err(TillError::InvalidInput {
                    what: format!(
                        "'{}' is a {} key, so Till does not know which variable it belongs \
                         in: name one with --env VAR={}",
                        plan.keys[key].name,
                        plan.keys[key].provider,
                        Reference::Key(plan.keys[key].name.clone())
                    ),
                });
            }
            for var in &run.key_vars {
                let value = plan.value_var(key);
                plan.inject(var, value, &mut origins)?;
            }
            plan.gateway_urls(key, &mut origins)?;
        }
        plan.warn_missing_companions();
        Ok(plan)
    }

    /// The keys that get their real value, by index.
    pub fn real_keys(&self) -> impl Iterator<Item = (usize, &PlannedKey)> {
        self.keys.iter().enumerate().filter(|(_, k)| !k.gateway)
    }

    /// The keys that get an agent key, by index.
    pub fn gateway_keys(&self) -> impl Iterator<Item = (usize, &PlannedKey)> {
        self.keys.iter().enumerate().filter(|(_, k)| k.gateway)
    }

    /// The variables that get key `index` (its value or its agent key).
    pub fn vars_of(&self, index: usize) -> Vec<String> {
        self.vars
            .iter()
            .filter(|(_, var)| matches!(var, Var::RealKey(i) | Var::AgentKey(i) if *i == index))
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect()
    }

    /// The lines `--dry-run` prints: variable, key, provider, real key or agent key.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (name, var) in &self.vars {
            let name = name.to_string_lossy();
            let line = match var {
                Var::Text(_) => continue,
                Var::RealKey(i) => format!(
                    "{name:<24} real key '{}' ({})",
                    self.keys[*i].name, self.keys[*i].provider
                ),
                Var::AgentKey(i) => format!(
                    "{name:<24} agent key for '{}' ({}), through the gateway",
                    self.keys[*i].name, self.keys[*i].provider
                ),
                Var::GatewayUrl(i, path) => format!(
                    "{name:<24} the gateway's URL + {path} (for '{}')",
                    self.keys[*i].name
                ),
            };
            lines.push(line);
        }
        lines
    }

    /// The index of the key `reference` means, resolving it once per key.
    fn key(
        &mut self,
        reference: &Reference,
        resolve: &mut impl FnMut(&Reference) -> Result<CopyPlan, TillError>,
    ) -> Result<usize, TillError> {
        let chosen = resolve(reference)?;
        if chosen.overdue {
            self.warnings
                .push(format!("'{}': {}", chosen.key_name, chosen.why));
        }
        if let Some(index) = self.keys.iter().position(|k| k.name == chosen.key_name) {
            self.keys[index].broader |= chosen.broader;
            return Ok(index);
        }
        let gateway = catalog::provider_or_generic(&chosen.provider).run.gateway;
        self.keys.push(PlannedKey {
            name: chosen.key_name,
            provider: chosen.provider,
            gateway,
            broader: chosen.broader,
            why: chosen.why,
        });
        Ok(self.keys.len() - 1)
    }

    fn value_var(&self, key: usize) -> Var {
        if self.keys[key].gateway {
            Var::AgentKey(key)
        } else {
            Var::RealKey(key)
        }
    }

    /// Points the provider's base URL variables at the gateway, for a gateway key.
    fn gateway_urls(
        &mut self,
        key: usize,
        origins: &mut BTreeMap<OsString, Origin>,
    ) -> Result<(), TillError> {
        if !self.keys[key].gateway {
            return Ok(());
        }
        let run = &catalog::provider_or_generic(&self.keys[key].provider).run;
        for (var, path) in &run.base_url_vars {
            self.inject(var, Var::GatewayUrl(key, path.clone()), origins)?;
        }
        Ok(())
    }

    /// Sets a variable Till chooses: it replaces an inherited one, agrees with the same
    /// choice, and refuses to silently override anything else.
    fn inject(
        &mut self,
        name: &str,
        value: Var,
        origins: &mut BTreeMap<OsString, Origin>,
    ) -> Result<(), TillError> {
        let name = OsString::from(name);
        let existing = self.vars.get(&name);
        let conflict = match (existing, origins.get(&name)) {
            (None, _) | (Some(_), Some(Origin::Inherited)) => None,
            (Some(current), _) if *current == value => None,
            (Some(Var::Text(_)), Some(origin)) => Some(format!(
                "{} is set by {origin} and by till run for '{}': remove it from {origin}",
                name.to_string_lossy(),
                self.key_of(&value)
            )),
            (Some(current), _) => Some(format!(
                "{} would get both '{}' and '{}': choose one key for it",
                name.to_string_lossy(),
                self.key_of(current),
                self.key_of(&value)
            )),
        };
        if let Some(what) = conflict {
            return Err(TillError::InvalidInput { what });
        }
        self.vars.insert(name.clone(), value);
        origins.insert(name, Origin::Till);
        Ok(())
    }

    fn key_of(&self, var: &Var) -> &str {
        match var {
            Var::RealKey(i) | Var::AgentKey(i) | Var::GatewayUrl(i, _) => &self.keys[*i].name,
            Var::Text(_) => "",
        }
    }

    /// AWS and Twilio keys need a second value the key itself is not: say so.
    fn warn_missing_companions(&mut self) {
        for (index, key) in self.keys.iter().enumerate() {
            let run = &catalog::provider_or_generic(&key.provider).run;
            let injected = self.vars.iter().any(|(name, var)| {
                *var == Var::RealKey(index) && run.key_vars.iter().any(|v| OsStr::new(v) == name)
            });
            let missing: Vec<&str> = run
                .requires
                .iter()
                .filter(|v| !self.vars.contains_key(OsStr::new(v.as_str())))
                .map(String::as_str)
                .collect();
            if injected && !missing.is_empty() {
                self.warnings.push(format!(
                    "'{}' alone is not enough for {} clients, which also need {}: {}",
                    key.name,
                    key.provider,
                    missing.join(", "),
                    run.note.as_deref().unwrap_or("set them with --env")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys by name: (name, provider); a scope request picks by provider prefix.
    fn resolver(
        keys: &'static [(&'static str, &'static str)],
    ) -> impl FnMut(&Reference) -> Result<CopyPlan, TillError> {
        move |reference| {
            let found = match reference {
                Reference::Key(name) | Reference::Purpose(name) => {
                    keys.iter().find(|k| k.0 == name)
                }
                Reference::Scopes(scopes) => keys.iter().find(|k| scopes[0].starts_with(k.1)),
            };
            let (name, provider) = found.ok_or_else(|| TillError::KeyNotFound {
                name: reference.to_string(),
            })?;
            Ok(CopyPlan {
                key_name: (*name).into(),
                provider: (*provider).into(),
                asked: Vec::new(),
                beyond: Vec::new(),
                broader: false,
                overdue: false,
                why: String::new(),
            })
        }
    }

    const KEYS: &[(&str, &str)] = &[
        ("gh", "github"),
        ("oa", "openai"),
        ("an", "anthropic"),
        ("aws", "aws"),
        ("misc", "generic"),
    ];

    fn var(plan: &RunPlan, name: &str) -> Var {
        plan.vars[OsStr::new(name)].clone()
    }

    #[test]
    fn selectors_set_the_catalog_variables_and_llm_keys_only_get_agent_keys() {
        let plan = RunPlan::build(
            Assignments::default(),
            &[
                Reference::Key("gh".into()),
                Reference::Scopes(vec!["openai:models:read".into()]),
                Reference::Key("an".into()),
            ],
            resolver(KEYS),
        )
        .unwrap();
        assert_eq!(var(&plan, "GITHUB_TOKEN"), Var::RealKey(0));
        assert_eq!(var(&plan, "OPENAI_API_KEY"), Var::AgentKey(1));
        assert_eq!(
            var(&plan, "OPENAI_BASE_URL"),
            Var::GatewayUrl(1, "/openai/v1".into())
        );
        assert_eq!(
            var(&plan, "ANTHROPIC_BASE_URL"),
            Var::GatewayUrl(2, "/anthropic".into())
        );
        assert_eq!(plan.real_keys().count(), 1);
        assert_eq!(plan.gateway_keys().count(), 2);
        let described = plan.describe().join("\n");
        assert!(described.contains("real key 'gh' (github)"), "{described}");
        assert!(described.contains("agent key for 'oa' (openai), through the gateway"));
    }

    #[test]
    fn references_resolve_in_any_variable_and_replace_inherited_values() {
        let mut given = Assignments::default();
        given
            .set(
                "OPENAI_API_KEY".into(),
                "sk-real-from-the-shell".into(),
                Origin::Inherited,
            )
            .unwrap();
        given
            .set("MY_TOKEN".into(), "till://gh".into(), Origin::Flag)
            .unwrap();
        given
            .set("PATH".into(), "/bin".into(), Origin::Inherited)
            .unwrap();
        let plan = RunPlan::build(given, &[Reference::Key("oa".into())], resolver(KEYS)).unwrap();
        assert_eq!(var(&plan, "MY_TOKEN"), Var::RealKey(0));
        assert_eq!(var(&plan, "OPENAI_API_KEY"), Var::AgentKey(1));
        assert_eq!(var(&plan, "PATH"), Var::Text("/bin".into()));
        assert_eq!(plan.vars_of(0), ["MY_TOKEN"]);
    }

    #[test]
    fn a_gateway_key_by_reference_is_an_agent_key_with_its_base_url() {
        let mut given = Assignments::default();
        given
            .set(
                "LLM_KEY".into(),
                "till://oa".into(),
                Origin::EnvFile {
                    path: ".env".into(),
                    line: 3,
                },
            )
            .unwrap();
        let plan = RunPlan::build(given, &[], resolver(KEYS)).unwrap();
        assert_eq!(var(&plan, "LLM_KEY"), Var::AgentKey(0));
        assert_eq!(
            var(&plan, "OPENAI_BASE_URL"),
            Var::GatewayUrl(0, "/openai/v1".into())
        );
    }

    #[test]
    fn conflicts_and_generic_selectors_are_errors_that_say_what_to_do() {
        let mut given = Assignments::default();
        given.set_flag("GITHUB_TOKEN=literal").unwrap();
        let error =
            RunPlan::build(given, &[Reference::Key("gh".into())], resolver(KEYS)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("GITHUB_TOKEN is set by --env and by till run for 'gh'"),
            "{error}"
        );

        let mut given = Assignments::default();
        given.set_flag("GITHUB_TOKEN=till://misc").unwrap();
        let error =
            RunPlan::build(given, &[Reference::Key("gh".into())], resolver(KEYS)).unwrap_err();
        assert!(
            error.to_string().contains("would get both 'misc' and 'gh'"),
            "{error}"
        );

        let error = RunPlan::build(
            Assignments::default(),
            &[Reference::Key("misc".into())],
            resolver(KEYS),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("--env VAR=till://misc"),
            "{error}"
        );

        let error = RunPlan::build(
            Assignments::default(),
            &[Reference::Key("nope".into())],
            resolver(KEYS),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("no key named 'till://nope'"),
            "{error}"
        );

        let mut given = Assignments::default();
        assert!(given.set_flag("NOEQUALS").is_err());
        let error = given
            .set(
                "X".into(),
                "till://scope/".into(),
                Origin::EnvFile {
                    path: "e".into(),
                    line: 2,
                },
            )
            .unwrap_err();
        assert!(error.to_string().contains("(in e line 2)"), "{error}");
    }

    #[test]
    fn the_same_key_twice_is_one_key_and_aws_says_what_else_it_needs() {
        let mut given = Assignments::default();
        given.set_flag("AWS_ACCESS_KEY_ID=till://aws").unwrap();
        let plan = RunPlan::build(given, &[Reference::Key("aws".into())], resolver(KEYS)).unwrap();
        assert_eq!(plan.keys.len(), 1);
        assert!(
            plan.warnings[0].contains("AWS_SECRET_ACCESS_KEY"),
            "{:?}",
            plan.warnings
        );
        let mut given = Assignments::default();
        given.set_flag("AWS_SECRET_ACCESS_KEY=till://misc").unwrap();
        let plan = RunPlan::build(given, &[Reference::Key("aws".into())], resolver(KEYS)).unwrap();
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }
}
