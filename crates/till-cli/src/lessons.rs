//! `till lessons`: the lessons and how far you are, and marking one done.

use clap::Subcommand;
use serde::Serialize;
use till_core::lessons;
use till_core::TillError;

use crate::context::Context;
use crate::input::{open_vault, to_json, Stdin};

/// `till lessons` actions.
#[derive(Debug, Subcommand)]
pub enum LessonAction {
    /// Mark a lesson done.
    Done { id: String },
}

/// One line of `till lessons --json`.
#[derive(Serialize)]
struct LessonLine<'a> {
    id: &'a str,
    title: &'a str,
    minutes: u32,
    screens: usize,
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    sources: Vec<&'a str>,
}

/// `till lessons [--json]` and `till lessons done ID`.
pub fn run(context: &Context, json: bool, action: Option<LessonAction>) -> Result<(), TillError> {
    let stdin = Stdin::read(context, false)?;
    let mut vault = open_vault(context, &stdin)?;
    if let Some(LessonAction::Done { id }) = action {
        let lesson =
            lessons::all()
                .iter()
                .find(|l| l.id == id)
                .ok_or_else(|| TillError::InvalidInput {
                    what: format!("no lesson '{id}': `till lessons` lists them"),
                })?;
        vault.training().complete_lesson(&lesson.id)?;
        eprintln!("Marked '{}' done.", lesson.title);
        return Ok(());
    }
    let progress = vault.training().lesson_progress()?;
    let lines: Vec<LessonLine<'_>> = lessons::all()
        .iter()
        .map(|l| LessonLine {
            id: &l.id,
            title: &l.title,
            minutes: l.minutes,
            screens: l.screens.len(),
            completed_at: progress.get(&l.id).copied(),
            sources: l.sources.iter().map(|s| s.url.as_str()).collect(),
        })
        .collect();
    if json {
        println!("{}", to_json(&lines)?);
        return Ok(());
    }
    let done = lines.iter().filter(|l| l.completed_at.is_some()).count();
    println!("{done} of {} lessons done", lines.len());
    for line in &lines {
        let mark = if line.completed_at.is_some() {
            "x"
        } else {
            " "
        };
        println!(
            "  [{mark}] {:28} {} ({} min)",
            line.id, line.title, line.minutes
        );
    }
    Ok(())
}
