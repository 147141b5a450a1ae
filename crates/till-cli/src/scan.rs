//! `till scan`: finds API keys in files, staged changes or git history, names the vault
//! keys among them and says what to do about each.
//!
//! The engine is `till-scan`; this module only adapts: the catalog's formats in and the
//! vault's [`Fingerprinter`] as the engine's `Fingerprints` (both from `till_core::leaks`,
//! so the engine never holds a vault type or value), and the report out. Exit status: 0 clean,
//! 1 findings, 2 bad usage or a path or repository that could not be read.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use till_core::model::display_fingerprint;
use till_core::vault::Fingerprinter;
use till_core::{ErrorCode, TillError};
use till_scan::walk::Options;
use till_scan::{Fingerprints, NoVault, Outcome, Scanner};

use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// Arguments of `till scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (default: the current directory); with --staged or
    /// --git-history, a path inside the repository.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long, conflicts_with = "sarif")]
    json: bool,
    /// Print the findings as SARIF 2.1.0 (GitHub code scanning, editors).
    #[arg(long)]
    sarif: bool,
    /// Scan what the next commit adds (the staged lines; a key committed before is
    /// for --git-history).
    #[arg(long, conflicts_with = "git_history")]
    staged: bool,
    /// Scan every blob in the repository's history, once, naming the commit.
    #[arg(long)]
    git_history: bool,
    /// Skip files larger than BYTES.
    #[arg(long, value_name = "BYTES", default_value_t = till_scan::DEFAULT_MAX_FILE_SIZE)]
    max_size: u64,
    /// Scan on N threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Install a pre-commit hook running `till scan --staged` in REPO (default: here);
    /// an existing hook is kept and still runs first.
    #[arg(
        long,
        value_name = "REPO",
        num_args = 0..=1,
        default_missing_value = ".",
        conflicts_with_all = ["json", "sarif", "staged", "git_history"]
    )]
    install_hook: Option<PathBuf>,
}

/// `till scan`.
pub fn run(context: &Context, args: ScanArgs) -> Result<ExitCode, TillError> {
    if let Some(repo) = &args.install_hook {
        return crate::hook::install(repo);
    }
    let scanner = match Scanner::new(till_core::leaks::formats(), display_fingerprint) {
        Ok(scanner) => scanner,
        Err(error) => {
            return Err(TillError::Internal {
                what: error.to_string(),
            })
        }
    };
    let vault = vault_prints(context)?;
    let prints: &dyn Fingerprints = match &vault {
        Some(vault) => vault,
        None => &NoVault,
    };
    let options = Options {
        max_file_size: args.max_size,
        threads: args.threads,
        max_depth: None,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let started = std::time::Instant::now();
    let outcome = if args.staged || args.git_history {
        let [path] = paths.as_slice() else {
            eprintln!("till: --staged and --git-history take one path inside the repository");
            return Ok(ExitCode::from(2));
        };
        if args.staged {
            till_scan::git::scan_staged(&scanner, prints, path, options)
        } else {
            till_scan::git::scan_history(&scanner, prints, path, options)
        }
    } else {
        till_scan::walk::scan_paths(&scanner, prints, &paths, options)
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("till: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    print(&scanner, &outcome, &args)?;
    summarize(&outcome, started.elapsed());
    Ok(if !outcome.findings.is_empty() {
        ExitCode::from(1)
    } else if !outcome.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The vault's fingerprints, or `None` (said on stderr) when there is no vault or it
/// cannot be opened without a prompt no one can answer.
fn vault_prints(context: &Context) -> Result<Option<Fingerprinter>, TillError> {
    let skipped = |why: &str| {
        eprintln!(
            "till: vault matching skipped ({why}); scanning for provider key formats and Till \
             tokens only"
        );
    };
    if !till_core::vault::Vault::exists(&context.paths) && !context.password_stdin {
        skipped("no vault yet: `till init` creates one");
        return Ok(None);
    }
    let stdin = Stdin::read(context, false)?;
    match open_vault(context, &stdin) {
        Ok(vault) => Ok(Some(vault.fingerprinter())),
        Err(error)
            if matches!(
                error.code(),
                ErrorCode::PasswordRequired | ErrorCode::KeyringUnavailable | ErrorCode::Locked
            ) && !std::io::stdin().is_terminal() =>
        {
            skipped(&error.to_string());
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

fn print(scanner: &Scanner, outcome: &Outcome, args: &ScanArgs) -> Result<(), TillError> {
    let internal = |e: serde_json::Error| TillError::Internal {
        what: format!("JSON output failed: {e}"),
    };
    if args.json {
        println!(
            "{}",
            till_scan::report::json(&outcome.findings).map_err(internal)?
        );
    } else if args.sarif {
        let log = till_scan::sarif::sarif(&outcome.findings, till_core::VERSION);
        println!("{}", serde_json::to_string_pretty(&log).map_err(internal)?);
    } else {
        let console_url = |provider: &str| {
            scanner
                .formats()
                .find(|f| f.provider == provider)
                .and_then(|f| f.console_url.clone())
        };
        print!(
            "{}",
            till_scan::report::human(&outcome.findings, console_url)
        );
    }
    Ok(())
}

fn summarize(outcome: &Outcome, elapsed: std::time::Duration) {
    for error in &outcome.errors {
        eprintln!("till: could not scan {error}");
    }
    let stats = &outcome.stats;
    let mut skipped = Vec::new();
    if stats.skipped_large > 0 {
        skipped.push(format!("{} over the size limit", stats.skipped_large));
    }
    if stats.skipped_binary > 0 {
        skipped.push(format!("{} binary", stats.skipped_binary));
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", skipped.join(", "))
    };
    let count = outcome.findings.len();
    eprintln!(
        "Scanned {} files ({:.1} MB) in {:.2} s{skipped}: {}.",
        stats.files,
        stats.bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        match count {
            0 => "no keys found".to_owned(),
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        }
    );
}
