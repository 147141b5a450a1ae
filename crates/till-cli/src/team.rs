//! `till team`: check a team file against the inventory, adopt it, tick manual items.
//!
//! `till team check FILE` exits 0 when compliant, 1 when a policy or self-checking item
//! fails (each breaking key is listed), 2 when the file itself is bad (every problem with
//! its line and column). Open manual items are listed but do not fail the check.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use till_core::team::{self, Compliance, Status, TeamFile};
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, Stdin};

/// `till team` actions.
#[derive(Debug, Subcommand)]
pub enum TeamAction {
    /// Check a team file (or, without FILE, the adopted one) against the inventory.
    Check {
        file: Option<PathBuf>,
        /// Check Till's built-in checklists (onboarding, offboarding, quarterly audit,
        /// leaked key, AI agent keys) instead of a team file.
        #[arg(long, conflicts_with = "file")]
        builtin: bool,
        /// Print the report as JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the report as Markdown, for the team lead.
        #[arg(long)]
        markdown: bool,
    },
    /// Adopt a team file's policies and checklists.
    Apply { file: PathBuf },
    /// Tick a manual checklist item (adopted team file or built-in), in someone's name.
    Tick {
        /// The checklist's id.
        checklist: String,
        /// The item's text, as in the file.
        item: String,
        /// Who checked it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

/// Reads and parses a team file; `Err` carries the exit code 2 message.
fn load(path: &Path) -> Result<TeamFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the team file ({e})", path.display()))?;
    team::parse(&text).map_err(|problems| {
        problems
            .iter()
            .map(|p| format!("{}:{}:{}: {}", path.display(), p.line, p.column, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn print_text(report: &Compliance) {
    let verdict = if report.compliant {
        "compliant"
    } else {
        "NOT compliant"
    };
    println!("{}: {verdict}", report.team);
    let show = |item: &team::check::Checked| {
        let mark = match &item.status {
            Status::Pass => "ok  ".to_owned(),
            Status::Ticked { tick } => format!(
                "ok   (ticked by {}, {})",
                tick.by,
                tick.at.format("%Y-%m-%d")
            ),
            Status::Open => "open".to_owned(),
            Status::Fail { .. } => "FAIL".to_owned(),
        };
        println!("  {mark}  {}", item.text);
        if let Status::Fail { findings } = &item.status {
            for finding in findings {
                println!("          {} {}", finding.key, finding.why);
            }
        }
    };
    if !report.policies.is_empty() {
        println!("Policies");
        report.policies.iter().for_each(show);
    }
    for list in &report.checklists {
        println!("{}", list.title);
        list.items.iter().for_each(show);
    }
    if report.open_items > 0 {
        println!(
            "{} manual item(s) open: tick them with `till team tick`.",
            report.open_items
        );
    }
}

/// `till team`.
pub fn run(context: &Context, action: TeamAction) -> Result<ExitCode, TillError> {
    match action {
        TeamAction::Check {
            file,
            builtin,
            json,
            markdown,
        } => {
            // Paths in a team file are relative to its folder (an adopted one's: here).
            let base = file
                .as_deref()
                .and_then(Path::parent)
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let parsed = match &file {
                Some(path) => match load(path) {
                    Ok(parsed) => Some(parsed),
                    Err(problems) => {
                        eprintln!("{problems}");
                        return Ok(ExitCode::from(2));
                    }
                },
                None => None,
            };
            let stdin = Stdin::read(context, false)?;
            let mut vault = open_vault(context, &stdin)?;
            let adopted = if builtin {
                Some(team::builtin())
            } else {
                vault.training().team_file()?
            };
            let Some(file) = parsed.or(adopted) else {
                eprintln!("till: no team file given and none adopted: pass FILE or `till team apply FILE`");
                return Ok(ExitCode::from(2));
            };
            let report = vault.training().check_team(&file, &base)?;
            if json {
                println!("{}", to_json(&report)?);
            } else if markdown {
                print!("{}", report.to_markdown());
            } else {
                print_text(&report);
            }
            Ok(if report.compliant {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        TeamAction::Apply { file } => {
            let text = std::fs::read_to_string(&file).map_err(|source| TillError::Storage {
                path: file.clone(),
                source,
            })?;
            if let Err(problems) = load(&file) {
                eprintln!("{problems}");
                return Ok(ExitCode::from(2));
            }
            let stdin = Stdin::read(context, false)?;
            let mut vault = open_vault(context, &stdin)?;
            let adopted = vault.training().adopt_team_file(&text)?;
            eprintln!(
                "Adopted '{}': {} policies, {} checklists.",
                adopted.name,
                adopted.policies.len(),
                adopted.checklists.len()
            );
            let base = file.parent().unwrap_or(Path::new("."));
            print_text(&vault.training().check_team(&adopted, base)?);
            Ok(ExitCode::SUCCESS)
        }
        TeamAction::Tick {
            checklist,
            item,
            by,
        } => {
            let stdin = Stdin::read(context, false)?;
            let mut vault = open_vault(context, &stdin)?;
            // The team's own checklists first: a team may reuse a built-in id.
            let mut lists = vault
                .training()
                .team_file()?
                .map(|adopted| adopted.checklists)
                .unwrap_or_default();
            lists.extend(team::builtin().checklists);
            let known = lists
                .iter()
                .find(|l| l.id == checklist)
                .and_then(|l| l.items.iter().find(|i| i.text == item));
            match known {
                Some(found) if found.rule.is_none() => {}
                Some(_) => {
                    return Err(TillError::InvalidInput {
                        what: format!(
                            "'{item}' checks itself against the inventory: fix the keys instead"
                        ),
                    })
                }
                None => {
                    return Err(TillError::InvalidInput {
                        what: format!("checklist '{checklist}' has no item '{item}'"),
                    })
                }
            }
            vault.training().tick_item(&checklist, &item, &by, true)?;
            eprintln!("Ticked '{item}' for {by}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
