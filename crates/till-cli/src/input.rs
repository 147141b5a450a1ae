//! Reading secrets safely: passwords and values come from standard input, a file or a
//! hidden prompt, never from the command line (where `ps` and shell history would see
//! them). With `--password-stdin` the first line of stdin is the password and the rest
//! is left for `--value-stdin`.

use std::io::{IsTerminal, Read};
use std::os::fd::AsFd;
use std::path::Path;

use secrecy::SecretString;
use serde::Serialize;
use till_core::keyring::Keyring;
use till_core::model::value_from_bytes;
use till_core::vault::{Unlock, Vault};
use till_core::{ErrorCode, TillError};
use zeroize::Zeroizing;

use crate::context::Context;

/// Standard input, read once and split into the password line and the rest.
#[derive(Default)]
pub struct Stdin {
    password: Option<SecretString>,
    rest: Option<Zeroizing<Vec<u8>>>,
}

impl Stdin {
    /// Reads all of stdin now if the password or a value is to come from it.
    pub fn read(context: &Context, value_from_stdin: bool) -> Result<Self, TillError> {
        if !context.password_stdin && !value_from_stdin {
            return Ok(Self::default());
        }
        let mut all = Zeroizing::new(Vec::new());
        std::io::stdin()
            .read_to_end(&mut all)
            .map_err(|e| invalid(format!("could not read standard input: {e}")))?;
        if !context.password_stdin {
            return Ok(Self {
                password: None,
                rest: Some(all),
            });
        }
        let split = all.iter().position(|b| *b == b'\n').unwrap_or(all.len());
        let password = password_from_line(&all[..split])?;
        let rest = all.get(split + 1..).unwrap_or_default().to_vec();
        Ok(Self {
            password: Some(password),
            rest: Some(Zeroizing::new(rest)),
        })
    }

    /// Reads only the password line (with `--password-stdin`), one byte at a time and
    /// unbuffered, so the rest of standard input is left for a command `till run` starts.
    pub fn read_password_line(context: &Context) -> Result<Self, TillError> {
        if !context.password_stdin {
            return Ok(Self::default());
        }
        let fd = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| invalid(format!("could not read standard input: {e}")))?;
        let mut input = std::fs::File::from(fd);
        let mut line = Zeroizing::new(Vec::new());
        let mut byte = Zeroizing::new([0u8; 1]);
        loop {
            match input.read(&mut *byte) {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) if line.len() >= 4096 => {
                    return Err(invalid(
                        "the first line of standard input is too long to be a password".into(),
                    ))
                }
                Ok(_) => line.push(byte[0]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(invalid(format!("could not read standard input: {e}"))),
            }
        }
        Ok(Self {
            password: Some(password_from_line(&line)?),
            rest: None,
        })
    }

    /// The password from stdin, if `--password-stdin` was given.
    pub fn password(&self) -> Option<&SecretString> {
        self.password.as_ref()
    }

    /// The next line of stdin (after the master password line, if any) as a secret, for a
    /// second password such as a backup's; `None` when stdin has no more lines.
    pub fn next_secret_line(&mut self) -> Option<SecretString> {
        let rest = self.rest.take()?;
        let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let mut line = rest[..split].to_vec();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        self.rest = Some(Zeroizing::new(
            rest.get(split + 1..).unwrap_or_default().to_vec(),
        ));
        String::from_utf8(line)
            .ok()
            .filter(|l| !l.is_empty())
            .map(SecretString::from)
    }

    /// The value from stdin (after the password line, if any).
    pub fn value(&mut self) -> Result<SecretString, TillError> {
        let bytes = self.rest.take().unwrap_or_default();
        value_from_bytes(bytes.to_vec())
    }
}

/// The password from its line (a trailing `\r` dropped); empty is refused.
fn password_from_line(line: &[u8]) -> Result<SecretString, TillError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let password = String::from_utf8(line.to_vec())
        .map_err(|_| invalid("the password on standard input is not UTF-8 text".into()))?;
    if password.is_empty() {
        return Err(invalid(
            "--password-stdin was given but the first line of standard input is empty".into(),
        ));
    }
    Ok(SecretString::from(password))
}

fn invalid(what: String) -> TillError {
    TillError::InvalidInput { what }
}

/// Reads a value from a file (refusing anything that is not a small text file).
pub fn value_from_file(path: &Path) -> Result<SecretString, TillError> {
    let metadata = std::fs::metadata(path).map_err(|source| TillError::Storage {
        path: path.to_owned(),
        source,
    })?;
    if metadata.len() > (till_core::model::MAX_VALUE_BYTES as u64) * 2 {
        return Err(invalid(format!(
            "{} is {} bytes: too large to be a key (is it the right file?)",
            path.display(),
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|source| TillError::Storage {
        path: path.to_owned(),
        source,
    })?;
    value_from_bytes(bytes)
}

/// Asks for a password on the terminal without echo; `None` when there is no terminal.
pub fn prompt_password(prompt: &str) -> Result<Option<SecretString>, TillError> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    rpassword::prompt_password(prompt)
        .map(|p| Some(SecretString::from(p)))
        .map_err(|e| invalid(format!("could not read the password: {e}")))
}

/// Opens the vault: with the password from stdin if given, else with the OS keyring,
/// else by asking on the terminal.
pub fn open_vault(context: &Context, stdin: &Stdin) -> Result<Vault, TillError> {
    unlock_vault(context, stdin)
}

fn unlock_vault(context: &Context, stdin: &Stdin) -> Result<Vault, TillError> {
    if let Some(password) = stdin.password() {
        return Vault::open(
            &context.paths,
            Unlock::Password(password),
            context.clock.clone(),
            &context.settings,
        );
    }
    if !Vault::exists(&context.paths) {
        return Err(TillError::VaultMissing {
            path: Vault::file(&context.paths),
        });
    }
    let keyring_problem = match Keyring::connect() {
        Ok(keyring) => {
            match Vault::open(
                &context.paths,
                Unlock::Keyring(&keyring),
                context.clock.clone(),
                &context.settings,
            ) {
                Ok(vault) => return Ok(vault),
                Err(error)
                    if matches!(
                        error.code(),
                        ErrorCode::PasswordRequired | ErrorCode::KeyringUnavailable
                    ) =>
                {
                    error
                }
                Err(error) => return Err(error),
            }
        }
        Err(error) => error,
    };
    // An unlocked desktop app answers for a password vault: one unlock per session.
    if let Some(session) = till_core::session::ask(&context.paths) {
        if let Ok(vault) = Vault::open(
            &context.paths,
            Unlock::Session(&session),
            context.clock.clone(),
            &context.settings,
        ) {
            return Ok(vault);
        }
    }
    match prompt_password("Till master password: ")? {
        Some(password) => Vault::open(
            &context.paths,
            Unlock::Password(&password),
            context.clock.clone(),
            &context.settings,
        ),
        None => Err(TillError::PasswordRequired {
            why: match keyring_problem.code() {
                ErrorCode::KeyringUnavailable => "the OS keyring is not reachable",
                _ => "the OS keyring holds no key for it",
            },
        }),
    }
}

/// Pretty JSON for `--json` output.
pub fn to_json(value: &impl Serialize) -> Result<String, TillError> {
    serde_json::to_string_pretty(value).map_err(|e| TillError::Internal {
        what: format!("JSON output failed: {e}"),
    })
}
