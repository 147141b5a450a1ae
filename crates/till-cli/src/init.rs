//! `till init`: create the vault.

use secrecy::ExposeSecret;
use till_core::crypto::kdf::params_for_new_vault;
use till_core::keyring::Keyring;
use till_core::password::check_new_password;
use till_core::vault::Vault;
use till_core::TillError;

use crate::context::Context;
use crate::input::{prompt_password, Stdin};

/// Creates the vault. The password comes from stdin (`--password-stdin`) or is asked for
/// twice on the terminal. Unless `no_keyring`, a key in the OS keyring opens it too.
pub fn run(context: &Context, no_keyring: bool) -> Result<(), TillError> {
    if Vault::exists(&context.paths) {
        return Err(TillError::VaultExists {
            path: Vault::file(&context.paths),
        });
    }
    let stdin = Stdin::read(context, false)?;
    let password = match stdin.password() {
        Some(password) => password.clone(),
        None => ask_new_password()?,
    };
    check_new_password(&password)?;
    let keyring = if no_keyring {
        None
    } else {
        Some(Keyring::connect().map_err(|error| match error {
            TillError::KeyringUnavailable { detail } => TillError::KeyringUnavailable {
                detail: format!("{detail}; or create the vault with --no-keyring"),
            },
            other => other,
        })?)
    };
    let vault = Vault::create(
        &context.paths,
        &password,
        params_for_new_vault(),
        keyring.as_ref(),
        context.clock.clone(),
        &context.settings,
    )?;
    vault.lock()?;
    let how = if no_keyring {
        "it asks for the master password every time"
    } else {
        "the OS keyring opens it; the master password always works too"
    };
    eprintln!(
        "Created a vault at {} ({how}).",
        Vault::file(&context.paths).display()
    );
    Ok(())
}

fn ask_new_password() -> Result<secrecy::SecretString, TillError> {
    let first = prompt_password("New master password (at least 8 characters): ")?.ok_or(
        TillError::PasswordRequired {
            why: "there is no terminal to ask on",
        },
    )?;
    // Refused before asking again, so a typo-free retry is not wasted on it.
    check_new_password(&first)?;
    let again = prompt_password("Repeat it: ")?.unwrap_or_default();
    if first.expose_secret() != again.expose_secret() {
        return Err(TillError::InvalidInput {
            what: "the two passwords differ: nothing was created; run `till init` again".into(),
        });
    }
    Ok(first)
}

/// `till passwd`: a new master password. The current one (or the keyring) opens the
/// vault; the new one is the next stdin line, or asked twice on the terminal.
pub fn change_password(context: &Context) -> Result<(), TillError> {
    let mut stdin = Stdin::read(
        context,
        !std::io::IsTerminal::is_terminal(&std::io::stdin()),
    )?;
    let mut vault = crate::input::open_vault(context, &stdin)?;
    let new = match stdin.next_secret_line() {
        Some(password) => password,
        None => ask_new_password()?,
    };
    check_new_password(&new)?;
    vault.change_password(&new, params_for_new_vault())?;
    eprintln!("Changed the master password. Keys were not re-encrypted; the keyring still opens the vault if it did before.");
    Ok(())
}
