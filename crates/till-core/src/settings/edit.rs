//! Changing settings from the window: checked here, then written back to `settings.toml`
//! with `toml_edit`, so the user's comments, blank lines, order and every setting the
//! window does not show (per-environment intervals, verify URLs) survive the save.
//!
//! Only what changed is written: saving defaults into an empty file leaves it empty, and
//! a value the user set keeps its place and its trailing comment.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, Table, Value};
use ts_rs::TS;

use super::{read_text, Settings, Theme, FILE_NAME};
use crate::error::TillError;
use crate::paths::{write_private, TillPaths};
use crate::reminders::QuietHours;

/// Longest idle time before the vault locks itself (a day).
const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;
/// The clipboard clears after 1 s to an hour.
const CLIPBOARD_SECONDS: std::ops::RangeInclusive<u32> = 1..=3600;
/// Reminder lead time: a day to a year ahead.
const LEAD_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// The settings the window shows and changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SettingsForm {
    /// Minutes without use before the vault locks itself; 0 never locks by itself.
    pub auto_lock_minutes: u32,
    /// Seconds until a copied key is cleared from the clipboard.
    pub clipboard_clear_seconds: u32,
    /// The quick-search shortcut, e.g. `CmdOrCtrl+Shift+K`; empty turns it off.
    pub quick_search_shortcut: String,
    /// Keep the quick-search window ready in the background.
    pub quick_search_prewarm: bool,
    /// Days ahead reminders start, for every environment; `None`: Till's defaults
    /// (14 days in production, 7 elsewhere).
    pub lead_days: Option<u32>,
    /// No notifications between these local times, e.g. `22:00-08:00`; `None`: none.
    pub quiet_hours: Option<String>,
    pub theme: Theme,
    /// Lock the vault when the screen locks (`[lock] on_screen_lock`); applies at once.
    pub lock_on_screen_lock: bool,
    /// Lock the vault before the computer sleeps (`[lock] before_sleep`); applies at once.
    pub lock_before_sleep: bool,
}

/// The Settings page: the form, where it is kept, and whether a restart is pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SettingsPage {
    pub form: SettingsForm,
    /// The settings file's path.
    pub file: String,
    /// The file holds changes the running Till started without (all but the theme apply
    /// when Till next starts).
    pub restart_needed: bool,
    /// Whether the OS keyring opens the vault at login; `None` while locked.
    pub opens_at_login: Option<bool>,
}

impl SettingsForm {
    /// The form's view of `settings`.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            auto_lock_minutes: settings.auto_lock_minutes,
            clipboard_clear_seconds: settings.clipboard.clear_after_seconds,
            quick_search_shortcut: settings.quick_search.shortcut.clone(),
            quick_search_prewarm: settings.quick_search.prewarm,
            lead_days: settings.reminders.all.lead_days,
            quiet_hours: settings
                .reminders
                .quiet_hours
                .map(|q| format!("{}-{}", q.start.format("%H:%M"), q.end.format("%H:%M"))),
            theme: settings.appearance.theme,
            lock_on_screen_lock: settings.lock.on_screen_lock,
            lock_before_sleep: settings.lock.before_sleep,
        }
    }

    /// Trims what was typed and refuses what Till could not use, saying what would do.
    pub fn validated(mut self) -> Result<Self, TillError> {
        let invalid = |what: String| Err(TillError::InvalidInput { what });
        if self.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
            return invalid(format!(
                "auto-lock must be 0 (never) to {MAX_AUTO_LOCK_MINUTES} minutes"
            ));
        }
        if !CLIPBOARD_SECONDS.contains(&self.clipboard_clear_seconds) {
            return invalid("the clipboard must clear after 1 to 3600 seconds".into());
        }
        self.quick_search_shortcut = self.quick_search_shortcut.trim().to_owned();
        let shortcut = &self.quick_search_shortcut;
        let well_formed = shortcut.is_empty()
            || shortcut
                .split('+')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            return invalid(format!(
                "the shortcut \"{shortcut}\" should look like CmdOrCtrl+Shift+K (or be empty to turn it off)"
            ));
        }
        if let Some(days) = self.lead_days {
            if !LEAD_DAYS.contains(&days) {
                return invalid("reminders can start 1 to 365 days ahead".into());
            }
        }
        self.quiet_hours = match self.quiet_hours.map(|q| q.trim().to_owned()) {
            Some(q) if q.is_empty() => None,
            Some(q) => {
                let parsed =
                    QuietHours::try_from(q).map_err(|what| TillError::InvalidInput { what })?;
                Some(format!(
                    "{}-{}",
                    parsed.start.format("%H:%M"),
                    parsed.end.format("%H:%M")
                ))
            }
            None => None,
        };
        Ok(self)
    }
}

impl SettingsPage {
    /// The page for the file as it is now, against the settings Till `running` with.
    pub fn load(
        paths: &TillPaths,
        running: &Settings,
        opens_at_login: Option<bool>,
    ) -> Result<Self, TillError> {
        let settings = Settings::load(paths)?;
        let form = SettingsForm::from_settings(&settings);
        let mut started = SettingsForm::from_settings(running);
        // These apply at once: the theme, and locking (read when the session signals).
        started.theme = form.theme;
        started.lock_on_screen_lock = form.lock_on_screen_lock;
        started.lock_before_sleep = form.lock_before_sleep;
        Ok(Self {
            restart_needed: started != form,
            form,
            file: settings_path(paths).display().to_string(),
            opens_at_login,
        })
    }
}

fn settings_path(paths: &TillPaths) -> PathBuf {
    paths.config_dir.join(FILE_NAME)
}

/// Checks `form` and writes what changed to `settings.toml`, keeping the rest of the file
/// as the user wrote it. Returns the settings as now saved.
pub fn save(paths: &TillPaths, form: SettingsForm) -> Result<Settings, TillError> {
    let form = form.validated()?;
    let path = settings_path(paths);
    let text = read_text(&path)?;
    let updated = apply(&path, &text, &form)?;
    if updated != text {
        write_private(&path, updated.as_bytes())?;
    }
    Settings::parse(&path, &updated)
}

/// `text` with the changes `form` makes to it. Fails if `text` itself is not valid
/// settings (the user is told where, and nothing is overwritten).
fn apply(path: &std::path::Path, text: &str, form: &SettingsForm) -> Result<String, TillError> {
    let current = SettingsForm::from_settings(&Settings::parse(path, text)?);
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|error: toml_edit::TomlError| TillError::InvalidInput {
                what: format!("{}: {}", path.display(), error.message()),
            })?;
    let root = doc.as_table_mut();
    if form.auto_lock_minutes != current.auto_lock_minutes {
        set(
            root,
            "auto_lock_minutes",
            i64::from(form.auto_lock_minutes).into(),
        );
    }
    if form.clipboard_clear_seconds != current.clipboard_clear_seconds {
        let seconds = i64::from(form.clipboard_clear_seconds);
        set(
            table(root, "clipboard"),
            "clear_after_seconds",
            seconds.into(),
        );
    }
    if form.quick_search_shortcut != current.quick_search_shortcut {
        let shortcut = form.quick_search_shortcut.as_str();
        set(table(root, "quick_search"), "shortcut", shortcut.into());
    }
    if form.quick_search_prewarm != current.quick_search_prewarm {
        set(
            table(root, "quick_search"),
            "prewarm",
            form.quick_search_prewarm.into(),
        );
    }
    if form.lead_days != current.lead_days {
        let reminders = table(root, "reminders");
        match form.lead_days {
            Some(days) => set(reminders, "lead_days", i64::from(days).into()),
            None => drop(reminders.remove("lead_days")),
        }
    }
    if form.quiet_hours != current.quiet_hours {
        let reminders = table(root, "reminders");
        match &form.quiet_hours {
            Some(hours) => set(reminders, "quiet_hours", hours.as_str().into()),
            None => drop(reminders.remove("quiet_hours")),
        }
    }
    if form.theme != current.theme {
        set(
            table(root, "appearance"),
            "theme",
            form.theme.as_str().into(),
        );
    }
    if form.lock_on_screen_lock != current.lock_on_screen_lock {
        let on = form.lock_on_screen_lock;
        set(table(root, "lock"), "on_screen_lock", on.into());
    }
    if form.lock_before_sleep != current.lock_before_sleep {
        let on = form.lock_before_sleep;
        set(table(root, "lock"), "before_sleep", on.into());
    }
    Ok(doc.to_string())
}

/// The table `name` under `parent`, created (as a `[name]` section) if missing.
pub(super) fn table<'a>(parent: &'a mut Table, name: &str) -> &'a mut Table {
    let item = parent
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()));
    if let Some(inline) = item.as_inline_table() {
        *item = Item::Table(inline.clone().into_table());
    }
    if !item.is_table() {
        *item = Item::Table(Table::new());
    }
    item.as_table_mut()
        .unwrap_or_else(|| unreachable!("made a table above"))
}

/// Sets `key` to `value` in place, so the comments above the key and after the value,
/// and the key's position, stay as they were.
pub(super) fn set(table: &mut Table, key: &str, mut value: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_with(text: Option<&str>) -> (tempfile::TempDir, TillPaths) {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        if let Some(text) = text {
            std::fs::write(settings_path(&paths), text).unwrap();
        }
        (root, paths)
    }

    fn form(paths: &TillPaths) -> SettingsForm {
        SettingsForm::from_settings(&Settings::load(paths).unwrap())
    }

    const HAND_WRITTEN: &str = "# Our team's Till settings: ask Ada before changing.\n\
        auto_lock_minutes = 5 # short: shared laptops\n\
        \n\
        [reminders]\n\
        # Production is audited monthly.\n\
        [reminders.environments.prod]\n\
        audit_every_days = 30\n";

    #[test]
    fn a_hand_written_comment_survives_a_save() {
        let (_root, paths) = paths_with(Some(HAND_WRITTEN));
        let mut changed = form(&paths);
        changed.auto_lock_minutes = 10;
        changed.clipboard_clear_seconds = 45;
        changed.quiet_hours = Some(" 22:00-07:00 ".into());
        changed.theme = Theme::Dark;
        changed.lock_on_screen_lock = false;
        let saved = save(&paths, changed).unwrap();

        let text = std::fs::read_to_string(settings_path(&paths)).unwrap();
        assert!(
            text.starts_with("# Our team's Till settings: ask Ada before changing.\n"),
            "{text}"
        );
        assert!(
            text.contains("auto_lock_minutes = 10 # short: shared laptops"),
            "{text}"
        );
        assert!(text.contains("# Production is audited monthly."), "{text}");
        assert!(text.contains("quiet_hours = \"22:00-07:00\""), "{text}");
        assert_eq!(saved.auto_lock_minutes, 10);
        assert_eq!(saved.clipboard.clear_after_seconds, 45);
        assert_eq!(saved.appearance.theme, Theme::Dark);
        assert!(text.contains("[lock]\non_screen_lock = false\n"), "{text}");
        assert!(!saved.lock.on_screen_lock && saved.lock.before_sleep);
        assert_eq!(
            saved.reminders.environments["prod"].audit_every_days,
            Some(30)
        );
        assert_eq!(Settings::load(&paths).unwrap(), saved);
    }

    #[test]
    fn saving_what_is_there_changes_nothing() {
        let (_root, paths) = paths_with(None);
        save(&paths, form(&paths)).unwrap();
        assert!(!settings_path(&paths).exists(), "defaults need no file");
        let (_root, paths) = paths_with(Some(HAND_WRITTEN));
        save(&paths, form(&paths)).unwrap();
        let text = std::fs::read_to_string(settings_path(&paths)).unwrap();
        assert_eq!(text, HAND_WRITTEN);
    }

    #[test]
    fn clearing_a_value_removes_it() {
        let (_root, paths) = paths_with(Some(
            "[reminders]\nlead_days = 3\nquiet_hours = \"22:00-08:00\"\n",
        ));
        let mut changed = form(&paths);
        changed.lead_days = None;
        changed.quiet_hours = Some(String::new());
        save(&paths, changed).unwrap();
        let settings = Settings::load(&paths).unwrap();
        assert_eq!(settings.reminders.all.lead_days, None);
        assert_eq!(settings.reminders.quiet_hours, None);
    }

    #[test]
    fn bad_values_are_refused_and_the_file_kept() {
        let (_root, paths) = paths_with(Some(HAND_WRITTEN));
        let bad: [fn(&mut SettingsForm); 5] = [
            |f| f.auto_lock_minutes = 100_000,
            |f| f.clipboard_clear_seconds = 0,
            |f| f.quick_search_shortcut = "Ctrl++".into(),
            |f| f.lead_days = Some(0),
            |f| f.quiet_hours = Some("late".into()),
        ];
        for change in bad {
            let mut changed = form(&paths);
            change(&mut changed);
            let error = save(&paths, changed).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidInput, "{error}");
        }
        assert_eq!(
            std::fs::read_to_string(settings_path(&paths)).unwrap(),
            HAND_WRITTEN
        );
    }

    #[test]
    fn a_malformed_file_is_not_overwritten() {
        let (_root, paths) = paths_with(Some("auto_lock_minutes = \"soon\"\n"));
        let error = save(&paths, SettingsForm::from_settings(&Settings::default())).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn the_page_says_when_a_restart_is_needed() {
        let (_root, paths) = paths_with(None);
        let running = Settings::default();
        let page = SettingsPage::load(&paths, &running, Some(true)).unwrap();
        assert!(!page.restart_needed);
        let mut changed = page.form.clone();
        changed.theme = Theme::Light;
        changed.lock_before_sleep = false;
        save(&paths, changed.clone()).unwrap();
        assert!(
            !SettingsPage::load(&paths, &running, None)
                .unwrap()
                .restart_needed
        );
        changed.auto_lock_minutes = 1;
        save(&paths, changed).unwrap();
        assert!(
            SettingsPage::load(&paths, &running, None)
                .unwrap()
                .restart_needed
        );
    }
}
