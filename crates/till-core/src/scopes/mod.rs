//! Scopes: what a key may do, written `provider:resource:access`.
//!
//! `stripe:charges:read`, `github:contents:write`, `openai:*:*`. Access is `read`,
//! `write` (which implies `read`) or `*` (everything); a resource of `*` means every
//! resource of that provider. Each provider's catalog file lists its real permissions as
//! scopes with a description and a risk weight, so "the narrowest key" can be measured:
//! a key's privilege is the sum of its scopes' risks.

pub mod pick;

use std::fmt;
use std::str::FromStr;

use crate::catalog;
use crate::error::TillError;

/// Risk assumed for a scope the catalog does not list: unknown power counts as a lot.
pub const UNKNOWN_RISK: u32 = 25;

/// How much of a resource a scope grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
    All,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::All => "*",
        }
    }

    /// Whether this access includes `other` (`*` ⊇ `write` ⊇ `read`).
    pub fn includes(self, other: Self) -> bool {
        self >= other
    }
}

/// One parsed scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub provider: String,
    /// A resource name, or `*` for all of them.
    pub resource: String,
    pub access: Access,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.provider,
            self.resource,
            self.access.as_str()
        )
    }
}

impl FromStr for Scope {
    type Err = TillError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| TillError::InvalidInput {
            what: format!(
                "'{text}' is not a scope ({why}): write provider:resource:access, e.g. \
                 stripe:charges:read"
            ),
        };
        let parts: Vec<&str> = text.trim().split(':').collect();
        let [provider, resource, access] = parts.as_slice() else {
            return Err(invalid("it needs three parts"));
        };
        let word = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        };
        if !word(provider) {
            return Err(invalid("the provider is not a catalog id"));
        }
        if *resource != "*" && !word(resource) {
            return Err(invalid("the resource is not a name or *"));
        }
        let access = match *access {
            "read" => Access::Read,
            "write" => Access::Write,
            "*" => Access::All,
            _ => return Err(invalid("the access is not read, write or *")),
        };
        Ok(Self {
            provider: provider.to_lowercase(),
            resource: resource.to_lowercase(),
            access,
        })
    }
}

impl Scope {
    /// Whether holding this scope grants `other`.
    pub fn implies(&self, other: &Self) -> bool {
        self.provider == other.provider
            && (self.resource == "*" || self.resource == other.resource)
            && self.access.includes(other.access)
    }

    /// The catalog's risk weight for this scope, or [`UNKNOWN_RISK`].
    pub fn risk(&self) -> u32 {
        let id = self.to_string();
        catalog::provider(&self.provider)
            .and_then(|p| p.scopes.iter().find(|s| s.id == id))
            .map_or(UNKNOWN_RISK, |s| s.risk)
    }
}

/// Parses scope strings, skipping none: the first bad one is the error.
pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Scope>, TillError> {
    texts.iter().map(|t| t.as_ref().parse()).collect()
}

/// Whether `granted` covers every scope in `request`.
pub fn covers(granted: &[Scope], request: &[Scope]) -> bool {
    request
        .iter()
        .all(|wanted| granted.iter().any(|held| held.implies(wanted)))
}

/// The scopes of `granted` that `request` does not need: what a key grants beyond the
/// task (`github:contents:write` when `github:contents:read` was asked for).
pub fn beyond<'a>(granted: &'a [Scope], request: &[Scope]) -> Vec<&'a Scope> {
    granted
        .iter()
        .filter(|held| !request.iter().any(|wanted| wanted.implies(held)))
        .collect()
}

/// A set of scopes' privilege: the sum of their risks.
pub fn weight(scopes: &[Scope]) -> u32 {
    scopes.iter().map(Scope::risk).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Scope {
        text.parse().unwrap()
    }

    #[test]
    fn write_implies_read_and_stars_imply_everything() {
        assert!(s("github:contents:write").implies(&s("github:contents:read")));
        assert!(!s("github:contents:read").implies(&s("github:contents:write")));
        assert!(s("stripe:*:*").implies(&s("stripe:refunds:write")));
        assert!(s("stripe:charges:*").implies(&s("stripe:charges:write")));
        assert!(!s("stripe:charges:*").implies(&s("stripe:refunds:read")));
        assert!(!s("stripe:*:*").implies(&s("github:contents:read")));
    }

    #[test]
    fn bad_scopes_say_what_a_scope_looks_like() {
        for bad in [
            "stripe",
            "stripe:charges",
            "stripe:charges:delete",
            ":a:read",
            "a:b c:read",
        ] {
            let error = bad.parse::<Scope>().unwrap_err().to_string();
            assert!(error.contains("provider:resource:access"), "{error}");
        }
        assert_eq!(
            s(" Stripe:Charges:read ").to_string(),
            "stripe:charges:read"
        );
    }

    #[test]
    fn coverage_and_what_goes_beyond() {
        let key = [s("github:contents:write"), s("github:issues:read")];
        let ask = [s("github:contents:read")];
        assert!(covers(&key, &ask));
        let extra: Vec<String> = beyond(&key, &ask).iter().map(|s| s.to_string()).collect();
        assert_eq!(extra, ["github:contents:write", "github:issues:read"]);
        assert!(beyond(&ask, &ask).is_empty());
        assert!(!covers(&ask, &key));
    }

    #[test]
    fn every_catalog_scope_parses_and_wildcards_weigh_most() {
        for provider in catalog::providers() {
            for scope in &provider.scopes {
                let parsed = s(&scope.id);
                assert_eq!(parsed.provider, provider.id, "{}", scope.id);
                assert!(scope.risk > 0, "{}", scope.id);
                assert!(!scope.description.is_empty(), "{}", scope.id);
            }
            if let Some(all) = provider.scopes.iter().find(|s| s.id.ends_with(":*:*")) {
                let max = provider.scopes.iter().map(|s| s.risk).max().unwrap();
                assert_eq!(
                    all.risk, max,
                    "{}: full access must weigh most",
                    provider.id
                );
            }
        }
        assert_eq!(s("stripe:made_up:read").risk(), UNKNOWN_RISK);
    }
}
