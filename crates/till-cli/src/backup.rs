//! `till export` and restoring with `till import FILE --format till`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use till_core::backup;
use till_core::export::{self, Destination};
use till_core::password::check_new_password;
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, prompt_password, Stdin};

/// Arguments of `till export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the export.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Write a CSV of metadata only (names, providers, dates, fingerprints; no values)
    /// instead of an encrypted backup.
    #[arg(long)]
    metadata_csv: bool,
}

/// The backup password: the next stdin line, or asked twice on the terminal. A new one
/// (`confirm`, for an export) must pass the password rule.
fn backup_password(stdin: &mut Stdin, confirm: bool) -> Result<SecretString, TillError> {
    if let Some(password) = stdin.next_secret_line() {
        if confirm {
            check_new_password(&password)?;
        }
        return Ok(password);
    }
    let missing = TillError::PasswordRequired {
        why: "the backup password was not on standard input (the line after the master password)",
    };
    let first = prompt_password("Backup password: ")?.ok_or(missing)?;
    if confirm {
        check_new_password(&first)?;
        let again = prompt_password("Repeat it: ")?.unwrap_or_default();
        if again.expose_secret() != first.expose_secret() {
            return Err(TillError::InvalidInput {
                what: "the two backup passwords differ: nothing was written".into(),
            });
        }
    }
    Ok(first)
}

/// `till export`.
pub fn export(context: &Context, args: ExportArgs) -> Result<(), TillError> {
    let mut stdin = Stdin::read(context, !std::io::stdin().is_terminal())?;
    let mut vault = open_vault(context, &stdin)?;
    if args.metadata_csv {
        let bytes = export::metadata_csv(&mut vault, &args.out)?;
        Destination::new_file(args.out.clone()).write(&bytes)?;
        eprintln!(
            "Wrote metadata of {} key(s), no values, to {}.",
            vault.keys().len(),
            args.out.display()
        );
        return Ok(());
    }
    let password = backup_password(&mut stdin, true)?;
    let (bytes, count) =
        export::encrypted_backup(&mut vault, &password, context.clock.now(), &args.out)?;
    Destination::new_file(args.out.clone()).write(&bytes)?;
    eprintln!(
        "Wrote an encrypted backup of {} key(s) to {}. Restore it with: till import {} --format till",
        count,
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// `till import FILE --format till`: restores a backup into this vault.
pub fn restore(
    context: &Context,
    file: &Path,
    bytes: &[u8],
    dry_run: bool,
) -> Result<(), TillError> {
    let mut stdin = Stdin::read(context, !std::io::stdin().is_terminal())?;
    let password = backup_password(&mut stdin, false)?;
    let keys = backup::open(bytes, &password)?;
    eprintln!("{} key(s) in the backup:", keys.len());
    for key in &keys {
        eprintln!(
            "  {}  ({}, {})",
            key.meta.name, key.meta.provider, key.meta.fingerprint
        );
    }
    if dry_run {
        eprintln!("Dry run: nothing was imported.");
        return Ok(());
    }
    let mut vault = open_vault(context, &stdin)?;
    let source = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let preview = till_core::import::ImportPreview::from_backup(&keys);
    let report = vault.keys_mut().import(preview, &source)?;
    for problem in &report.skipped {
        eprintln!("  skipped {}: {}", problem.line, problem.message);
    }
    eprintln!(
        "Restored {} key(s) from {}.",
        report.added.len(),
        file.display()
    );
    Ok(())
}
