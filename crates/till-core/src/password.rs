//! One rule for every new password Till accepts: master passwords (setup, change) and
//! backup passwords, from the CLI and the window alike.
//!
//! It follows NIST SP 800-63B (§5.1.1.2): a minimum length counted in Unicode scalar
//! values, no composition rules, and a refusal of passwords known to be common. The
//! window's strength meter is guidance only; the refusal happens here, in Rust.

use std::collections::HashSet;
use std::sync::OnceLock;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::TillError;

/// The fewest characters (Unicode scalar values) a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Passwords that are too common to protect anything, lowercase, one per line.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Accepts `password` as a new master or backup password, or says what to choose
/// instead (`invalid_input`). The message never repeats the password.
pub fn check_new_password(password: &SecretString) -> Result<(), TillError> {
    let text = password.expose_secret();
    let chars = text.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(TillError::InvalidInput {
            what: format!(
                "the password is too short ({chars} of at least {MIN_PASSWORD_CHARS} characters): \
                 nothing was changed; a passphrase of three or four unrelated words is easy to \
                 type and hard to guess"
            ),
        });
    }
    let mut first = text.chars();
    if let Some(c) = first.next() {
        if first.all(|other| other == c) {
            return Err(TillError::InvalidInput {
                what: "the password repeats one character: nothing was changed; choose a \
                       passphrase of several unrelated words"
                    .into(),
            });
        }
    }
    let lowered = Zeroizing::new(text.to_lowercase());
    if common_passwords().contains(lowered.as_str()) {
        return Err(TillError::InvalidInput {
            what: "that password is on the list of very common passwords that attackers try \
                   first: nothing was changed; choose a passphrase of several unrelated words"
                .into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn check(text: &str) -> Result<(), TillError> {
        check_new_password(&SecretString::from(text.to_owned()))
    }

    #[test]
    fn accepts_eight_characters_and_passphrases() {
        check("tx8#Lp2q").unwrap();
        check("correct horse battery staple").unwrap();
        check("        x").unwrap();
    }

    #[test]
    fn counts_unicode_scalar_values_not_bytes() {
        // Seven scalar values but 21 bytes: too short.
        let error = check("ééééééx").unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        // Eight scalar values (emoji are one each).
        check("🦀🔑🦀🔑日本語x").unwrap();
    }

    #[test]
    fn refuses_short_passwords_with_what_to_do() {
        for short in ["", "a", "abc1234"] {
            let error = check(short).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidInput);
            assert!(error.to_string().contains("at least 8"), "{error}");
        }
    }

    #[test]
    fn refuses_common_passwords_case_insensitively() {
        for common in [
            "password",
            "PASSWORD123",
            "Qwerty123",
            "iloveyou1",
            "Welcome1",
        ] {
            let error = check(common).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidInput, "{common}");
            assert!(error.to_string().contains("common"), "{error}");
            if common != "password" {
                // The message never echoes what was typed.
                assert!(!error
                    .to_string()
                    .to_lowercase()
                    .contains(&common.to_lowercase()));
            }
        }
    }

    #[test]
    fn refuses_one_repeated_character() {
        assert!(check("zzzzzzzzzzzz").is_err());
    }

    #[test]
    fn the_list_is_lowercase_and_large_enough() {
        let list = common_passwords();
        assert!(list.len() >= 300, "{}", list.len());
        for entry in list {
            assert_eq!(*entry, entry.to_lowercase(), "{entry}");
            assert_eq!(*entry, entry.trim(), "{entry:?}");
        }
    }
}
