//! `till log` and `till log verify`: the audit trail.

use std::process::ExitCode;

use till_core::vault::Verdict;
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, Stdin};

/// `till log`: oldest first.
pub fn show(context: &Context, json: bool) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    let entries = vault.audit_log()?;
    if json {
        println!("{}", to_json(&entries)?);
        return Ok(());
    }
    for entry in entries {
        println!(
            "{:>5}  {}  {:14}  {}{}",
            entry.seq,
            entry.at.format("%Y-%m-%d %H:%M:%S"),
            entry.action.as_str(),
            entry.key_name.as_deref().unwrap_or("-"),
            entry.detail.map(|d| format!("  ({d})")).unwrap_or_default()
        );
    }
    Ok(())
}

/// `till log verify`: exit 0 when intact, 1 (saying where) when not.
pub fn verify(context: &Context) -> Result<ExitCode, TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    match vault.verify_audit()? {
        Verdict::Intact { entries } => {
            println!("audit log intact: {entries} entries, none edited, removed or reordered");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken { seq, problem } => {
            eprintln!("till: audit log tampered at entry {seq}: {problem}");
            Ok(ExitCode::FAILURE)
        }
    }
}
