//! `till import`: keys from `.env` files and password-manager exports, with a preview.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use till_core::import::{parse, ImportFormat, ImportPreview};
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// Arguments of `till import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import.
    file: PathBuf,
    /// Its format; guessed from the name and contents when not given.
    #[arg(long, value_parser = ["env", "1password-csv", "bitwarden-json", "keepassxc-csv", "till"])]
    format: Option<String>,
    /// Show what would be imported, and every problem, without importing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid keys even when some lines have problems (for scripts).
    #[arg(long)]
    yes: bool,
}

/// Largest file `till import` reads: exports of thousands of items are far smaller.
const MAX_IMPORT_BYTES: u64 = 16 * 1024 * 1024;

/// `till import`.
pub fn run(context: &Context, args: ImportArgs) -> Result<(), TillError> {
    let storage = |source| TillError::Storage {
        path: args.file.clone(),
        source,
    };
    let size = std::fs::metadata(&args.file).map_err(storage)?.len();
    if size > MAX_IMPORT_BYTES {
        return Err(TillError::InvalidInput {
            what: format!(
                "{} is {size} bytes: too large for an export of keys",
                args.file.display()
            ),
        });
    }
    let bytes = zeroize::Zeroizing::new(std::fs::read(&args.file).map_err(storage)?);
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if args.format.as_deref() == Some("till")
        || bytes.starts_with(b"{\n  \"format\": \"till-backup\"")
    {
        return crate::backup::restore(context, &args.file, &bytes, args.dry_run);
    }
    let format = match &args.format {
        Some(name) => ImportFormat::from_name(name),
        None => ImportFormat::guess(&file_name, &bytes),
    }
    .ok_or_else(|| TillError::InvalidInput {
        what: format!(
            "cannot tell the format of {}: pass --format env, 1password-csv, bitwarden-json or keepassxc-csv",
            args.file.display()
        ),
    })?;
    let preview = parse(format, &bytes)?;
    print_preview(&preview);
    if args.dry_run {
        eprintln!("Dry run: nothing was imported.");
        return Ok(());
    }
    if preview.candidates.is_empty() {
        return Err(TillError::InvalidInput {
            what: format!(
                "{} holds no key that can be imported; nothing was imported",
                args.file.display()
            ),
        });
    }
    if !preview.problems.is_empty() && !args.yes && !confirm(&preview) {
        return Err(TillError::InvalidInput {
            what: format!(
                "{} line(s) have problems and nothing was imported: fix them, or rerun with --yes to import the {} valid key(s)",
                preview.problems.len(),
                preview.candidates.len()
            ),
        });
    }
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    let report = vault.keys_mut().import(preview, &file_name)?;
    for problem in report
        .skipped
        .iter()
        .filter(|p| p.message.contains("already"))
    {
        eprintln!("  skipped line {}: {}", problem.line, problem.message);
    }
    eprintln!(
        "Imported {} key(s) from {}.",
        report.added.len(),
        args.file.display()
    );
    Ok(())
}

fn print_preview(preview: &ImportPreview) {
    eprintln!("{} key(s) can be imported:", preview.candidates.len());
    for candidate in &preview.candidates {
        let provider = candidate.provider().unwrap_or_else(|| "generic".into());
        eprintln!(
            "  line {:>4}  {}  ({provider})",
            candidate.line, candidate.key.name
        );
    }
    if !preview.problems.is_empty() {
        eprintln!("{} problem(s):", preview.problems.len());
        for problem in &preview.problems {
            eprintln!("  line {:>4}  {}", problem.line, problem.message);
        }
    }
}

/// On a terminal, asks whether to import the valid part; elsewhere, no.
fn confirm(preview: &ImportPreview) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!(
        "Import the {} valid key(s) and leave the rest? [y/N] ",
        preview.candidates.len()
    );
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}
