//! Lessons: short Markdown files with TOML front matter, compiled in (`lessons/*.md`).
//!
//! Each lesson is one idea in a few screens (`## ` headings), ends in an action in the
//! app, and links its sources. Content is data so it can be reviewed and extended
//! without touching code; progress is kept in the vault.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::training::LESSON_FILES;

/// What the lesson's closing button does in the app.
pub const ACTIONS: &[&str] = &[
    "add_key",
    "import_env",
    "copy_scoped",
    "save_purpose",
    "start_rotation",
    "review_audit",
    "set_owner",
    "open_due",
    "team_check",
    "pin_key",
    "mint_agent_key",
    "scan_folder",
];

/// A source a lesson is grounded in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// One screen of a lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Screen {
    pub heading: String,
    /// Markdown paragraphs.
    pub body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    minutes: u32,
    action: String,
    action_label: String,
    sources: Vec<Source>,
}

/// A lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub action: String,
    pub action_label: String,
    pub sources: Vec<Source>,
    pub screens: Vec<Screen>,
}

/// Parses one lesson file; the error names the file and what is wrong.
pub fn parse(file: &str, text: &str) -> Result<Lesson, String> {
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| format!("{file}: starts without `+++` front matter"))?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or_else(|| format!("{file}: the front matter has no closing `+++`"))?;
    let meta: FrontMatter =
        toml::from_str(front).map_err(|e| format!("{file}: front matter: {}", e.message()))?;
    if !ACTIONS.contains(&meta.action.as_str()) {
        return Err(format!("{file}: unknown action '{}'", meta.action));
    }
    let screens: Vec<Screen> = body
        .split("\n## ")
        .map(|chunk| chunk.trim_start_matches("## ").trim())
        .filter(|chunk| !chunk.is_empty())
        .map(|chunk| {
            let (heading, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            Screen {
                heading: heading.trim().to_owned(),
                body: body.trim().to_owned(),
            }
        })
        .collect();
    if screens.is_empty() {
        return Err(format!("{file}: no `## ` screens"));
    }
    Ok(Lesson {
        id: meta.id,
        title: meta.title,
        minutes: meta.minutes,
        action: meta.action,
        action_label: meta.action_label,
        sources: meta.sources,
        screens,
    })
}

/// Every lesson, in file order.
pub fn all() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        LESSON_FILES
            .iter()
            .map(|(file, text)| parse(file, text).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn there_are_at_least_eight_well_formed_lessons_with_sources() {
        let lessons = all();
        assert!(lessons.len() >= 8, "{}", lessons.len());
        let ids: HashSet<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids.len(), lessons.len(), "lesson ids are unique");
        for lesson in lessons {
            assert!((2..=6).contains(&lesson.screens.len()), "{}", lesson.id);
            assert!(!lesson.sources.is_empty(), "{}", lesson.id);
            assert!(
                lesson.sources.iter().all(|s| s.url.starts_with("https://")),
                "{}",
                lesson.id
            );
            assert!(
                lesson.screens.iter().all(|s| !s.body.is_empty()),
                "{}",
                lesson.id
            );
        }
    }

    #[test]
    fn malformed_lessons_say_what_is_wrong() {
        assert!(parse("x.md", "no front matter")
            .unwrap_err()
            .contains("x.md: starts without"));
        let bad_action = "+++\nid = \"a\"\ntitle = \"A\"\nminutes = 2\naction = \"fly\"\naction_label = \"Go\"\nsources = []\n+++\n## One\nText\n";
        assert!(parse("a.md", bad_action)
            .unwrap_err()
            .contains("unknown action 'fly'"));
        let good = bad_action.replace("fly", "add_key");
        let lesson = parse("a.md", &good).unwrap();
        assert_eq!(lesson.screens[0].heading, "One");
        assert_eq!(lesson.screens[0].body, "Text");
    }
}
