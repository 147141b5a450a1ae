//! `till://` references: how an environment value, an `--env` flag or an `--env-file`
//! line names a key without holding it, so the file can be committed and the shell
//! history stays clean.
//!
//! `till://NAME` is a key by name, `till://scope/PROVIDER:RESOURCE:ACCESS[,…]` the
//! narrowest key covering those scopes, `till://purpose/NAME` a saved purpose's key: the
//! same three requests `till copy` takes, resolved by the vault's copy planning.

use till_core::vault::CopyRequest;
use till_core::TillError;

/// The prefix that marks a value as a reference.
pub const SCHEME: &str = "till://";

/// A key named by a reference or a selector flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `till://NAME`, `--key NAME`.
    Key(String),
    /// `till://scope/S[,S…]`, `--scope S[,S…]` (one provider).
    Scopes(Vec<String>),
    /// `till://purpose/NAME`, `--purpose NAME`.
    Purpose(String),
}

impl Reference {
    /// Parses `value` if it is a reference; `None` for any other value. A value that
    /// starts with `till://` but names nothing is an error, never passed on as text.
    pub fn parse(value: &str) -> Option<Result<Self, TillError>> {
        let rest = value.strip_prefix(SCHEME)?;
        let empty = |what: &str| {
            Err(TillError::InvalidInput {
                what: format!(
                    "'{value}' names no {what}: use till://NAME, \
                     till://scope/PROVIDER:RESOURCE:ACCESS or till://purpose/NAME"
                ),
            })
        };
        Some(if let Some(scopes) = rest.strip_prefix("scope/") {
            let scopes = Self::scopes(scopes);
            if scopes.is_empty() {
                empty("scope")
            } else {
                Ok(Self::Scopes(scopes))
            }
        } else if let Some(purpose) = rest.strip_prefix("purpose/") {
            match purpose.trim() {
                "" => empty("purpose"),
                name => Ok(Self::Purpose(name.to_owned())),
            }
        } else {
            match rest.trim() {
                "" => empty("key"),
                name => Ok(Self::Key(name.to_owned())),
            }
        })
    }

    /// A `--scope` value: one or more comma-separated scopes.
    pub fn scopes(text: &str) -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The copy request that picks the key.
    pub fn request(&self) -> CopyRequest {
        match self {
            Self::Key(name) => CopyRequest::Key(name.clone()),
            Self::Scopes(scopes) => CopyRequest::Scopes(scopes.clone()),
            Self::Purpose(name) => CopyRequest::Purpose(name.clone()),
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(name) => write!(f, "{SCHEME}{name}"),
            Self::Scopes(scopes) => write!(f, "{SCHEME}scope/{}", scopes.join(",")),
            Self::Purpose(name) => write!(f, "{SCHEME}purpose/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(value: &str) -> Option<Reference> {
        Reference::parse(value).map(|r| r.expect("a valid reference"))
    }

    #[test]
    fn the_three_forms_parse_and_print_back() {
        for (text, expected) in [
            (
                "till://GitHub reader",
                Reference::Key("GitHub reader".into()),
            ),
            (
                "till://scope/github:contents:read",
                Reference::Scopes(vec!["github:contents:read".into()]),
            ),
            (
                "till://scope/openai:models:read, openai:files:read",
                Reference::Scopes(vec![
                    "openai:models:read".into(),
                    "openai:files:read".into(),
                ]),
            ),
            (
                "till://purpose/CI deploy",
                Reference::Purpose("CI deploy".into()),
            ),
        ] {
            assert_eq!(parsed(text), Some(expected.clone()), "{text}");
            assert_eq!(
                Reference::parse(&expected.to_string()).map(Result::ok),
                Some(Some(expected))
            );
        }
    }

    #[test]
    fn other_values_are_not_references_and_empty_ones_are_errors() {
        assert_eq!(parsed("plain value"), None);
        assert_eq!(parsed("https://till.example"), None);
        assert_eq!(parsed(" till://x"), None);
        for bad in [
            "till://",
            "till://scope/",
            "till://scope/ , ",
            "till://purpose/ ",
        ] {
            let error = Reference::parse(bad).and_then(Result::err);
            assert!(
                error.is_some_and(|e| e.to_string().contains("till://NAME")),
                "{bad}"
            );
        }
    }
}
