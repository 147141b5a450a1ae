//! The vault's side of training: the adopted team file, ticks on manual checklist items,
//! and lesson progress, all sealed like every other record.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::fingerprints::Fingerprinter;
use super::inventory::Inventory;
use super::store::audit::{AuditAction, AuditDetails};
use super::store::{Dates, RecordKind, Store};
use crate::error::TillError;
use crate::leaks;
use crate::team::check::{tick_key, Facts, HardcodedKey, Scans};
use crate::team::{self, Compliance, FileProblem, TeamFile, Tick, Ticks};

const TEAM_FILE_ID: &str = "team-file";
const TICKS_ID: &str = "checklist-ticks";
const LESSONS_ID: &str = "lesson-progress";
const ONBOARDING_ID: &str = "onboarding";

/// Where the first-run walkthrough stands, so it resumes where it was left.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Onboarding {
    /// The step to show next.
    pub step: Option<crate::onboarding::OnboardingStep>,
    /// The key added during the walkthrough.
    pub key_name: Option<String>,
    pub skipped: bool,
    pub done: bool,
}

/// The folders a team file's `no_hardcoded_keys` rules name, with the fingerprints to
/// scan them by. It borrows nothing from the vault, so a scan of a large repository can
/// run while the vault serves other requests; the fingerprint key inside is zeroized
/// when it is dropped.
#[derive(Debug)]
pub struct TeamScan {
    prints: Option<Fingerprinter>,
    /// Each rule's path as written, and the folder it names.
    folders: Vec<(String, PathBuf)>,
    max_file_size: u64,
}

impl TeamScan {
    /// Scans each folder: its vault keys found, or why it could not be read.
    pub fn run(&self) -> Scans {
        // Never stopped, so never `VaultLocked`.
        self.run_until(&|| false).unwrap_or_default()
    }

    /// [`TeamScan::run`], ending with [`TillError::VaultLocked`] as soon as
    /// `vault_locked` says so (asked before each file).
    pub fn run_until(&self, vault_locked: &(dyn Fn() -> bool + Sync)) -> Result<Scans, TillError> {
        let Some(prints) = &self.prints else {
            return Ok(Scans::new());
        };
        self.folders
            .iter()
            .map(|(path, folder)| {
                let scanned = leaks::scan_with(
                    prints,
                    std::slice::from_ref(folder),
                    self.max_file_size,
                    None,
                    vault_locked,
                );
                if let Err(TillError::VaultLocked) = scanned {
                    return Err(TillError::VaultLocked);
                }
                let found = scanned
                    .map(|outcome| {
                        outcome
                            .findings
                            .into_iter()
                            .map(|f| HardcodedKey {
                                path: f.path,
                                line: f.line,
                                key: f.key,
                                provider: f.provider,
                                fingerprint: f.fingerprint,
                            })
                            .collect()
                    })
                    .map_err(|error| error.to_string());
                Ok((path.clone(), found))
            })
            .collect()
    }
}

/// Lesson ids and when each was completed.
pub type LessonProgress = BTreeMap<String, DateTime<Utc>>;

/// A team file that did not parse, as one error listing every problem with its place.
pub fn team_file_error(problems: &[FileProblem]) -> TillError {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    TillError::InvalidInput {
        what: format!("the team file has problems: {}", lines.join("; ")),
    }
}

/// Training state: the team file, checklist ticks, lessons and the walkthrough.
#[derive(Debug)]
pub struct Training<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v Inventory,
}

impl Training<'_> {
    fn read_json<T: serde::de::DeserializeOwned + Default>(
        &self,
        id: &str,
    ) -> Result<T, TillError> {
        Ok(self
            .store
            .get(RecordKind::Training, id)?
            .unwrap_or_default())
    }

    fn write_json<T: serde::Serialize>(
        &mut self,
        id: &str,
        record: &T,
        detail: String,
    ) -> Result<(), TillError> {
        let action = self.store.begin()?;
        let dates = Dates {
            created_at: action.now,
            updated_at: action.now,
            next_due_at: None,
        };
        action.put(RecordKind::Training, id, record, dates)?;
        action.audit(AuditDetails::vault(AuditAction::Edit, Some(detail)))?;
        action.commit()
    }

    /// Adopts a team file: its policies and checklists become the vault's. Refused (with
    /// every problem and its place) if it does not parse.
    pub fn adopt_team_file(&mut self, text: &str) -> Result<TeamFile, TillError> {
        let file = team::parse(text).map_err(|problems| team_file_error(&problems))?;
        let detail = format!(
            "team file adopted: {} ({} policies, {} checklists)",
            file.name,
            file.policies.len(),
            file.checklists.len()
        );
        let action = self.store.begin()?;
        let text = SecretString::from(text.to_owned());
        action.put_secret(RecordKind::Training, TEAM_FILE_ID, &text, None)?;
        action.audit(AuditDetails::vault(AuditAction::Edit, Some(detail)))?;
        action.commit()?;
        Ok(file)
    }

    /// The adopted team file, if any.
    pub fn team_file(&self) -> Result<Option<TeamFile>, TillError> {
        let Some(text) = self.store.secret(RecordKind::Training, TEAM_FILE_ID)? else {
            return Ok(None);
        };
        team::parse(text.expose_secret())
            .map(Some)
            .map_err(|problems| team_file_error(&problems))
    }

    /// Ticks on manual checklist items.
    pub fn checklist_ticks(&self) -> Result<Ticks, TillError> {
        self.read_json(TICKS_ID)
    }

    /// Ticks a manual checklist item in the name of `by` (or unticks it).
    pub fn tick_item(
        &mut self,
        checklist: &str,
        item: &str,
        by: &str,
        ticked: bool,
    ) -> Result<(), TillError> {
        let by = by.trim();
        if ticked && by.is_empty() {
            return Err(TillError::InvalidInput {
                what: "say who ticks it: a manual item is ticked in someone's name".into(),
            });
        }
        let mut ticks = self.checklist_ticks()?;
        let key = tick_key(checklist, item);
        let detail = if ticked {
            ticks.insert(
                key,
                Tick {
                    by: by.to_owned(),
                    at: self.store.now(),
                },
            );
            format!("checklist '{checklist}': '{item}' ticked by {by}")
        } else {
            ticks.remove(&key);
            format!("checklist '{checklist}': '{item}' unticked")
        };
        self.write_json(TICKS_ID, &ticks, detail)
    }

    /// Checks a team file against the inventory and its active agent keys now, scanning
    /// the folders its `no_hardcoded_keys` rules name (relative ones under `base`, the
    /// team file's folder) with the vault's fingerprints.
    ///
    /// The scan runs while `self` is borrowed. The desktop app, where other commands wait
    /// for the vault, splits it: [`Training::team_scan`], [`TeamScan::run`] without the
    /// vault, then [`Training::check_team_scanned`].
    pub fn check_team(&self, file: &TeamFile, base: &Path) -> Result<Compliance, TillError> {
        let scans = self.team_scan(file, base).run();
        self.check_team_scanned(file, &scans)
    }

    /// What scanning a team file's `no_hardcoded_keys` folders needs from the vault.
    pub fn team_scan(&self, file: &TeamFile, base: &Path) -> TeamScan {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let folders: Vec<_> = file
            .scan_paths()
            .into_iter()
            .map(|path| {
                let folder = leaks::resolve(&path, base, home.as_deref());
                (path, folder)
            })
            .collect();
        // No folder to scan, no reason to carry the fingerprints out of the vault.
        let prints = (!folders.is_empty())
            .then(|| Fingerprinter::new(self.store.fingerprint_key(), self.inventory.iter()));
        TeamScan {
            prints,
            folders,
            max_file_size: crate::settings::ScanSettings::default().max_file_size(),
        }
    }

    /// Checks a team file with the findings of its [`TeamScan`].
    pub fn check_team_scanned(
        &self,
        file: &TeamFile,
        scans: &Scans,
    ) -> Result<Compliance, TillError> {
        let facts = Facts {
            keys: self.inventory,
            agents: &super::grants::agent_facts(self.store)?,
            scans,
        };
        Ok(team::check(
            file,
            &facts,
            &self.checklist_ticks()?,
            self.store.now(),
        ))
    }

    /// The walkthrough's state (a new vault starts at its first step).
    pub fn onboarding(&self) -> Result<Onboarding, TillError> {
        self.read_json(ONBOARDING_ID)
    }

    /// Saves the walkthrough's state; finishing or skipping is audited.
    pub fn set_onboarding(&mut self, state: &Onboarding) -> Result<(), TillError> {
        let detail = match (state.done, state.skipped) {
            (true, _) => "walkthrough finished".to_owned(),
            (_, true) => "walkthrough skipped".to_owned(),
            _ => format!(
                "walkthrough at {}",
                state.step.map_or("the start", |step| step.as_str())
            ),
        };
        self.write_json(ONBOARDING_ID, state, detail)
    }

    /// Completed lessons.
    pub fn lesson_progress(&self) -> Result<LessonProgress, TillError> {
        self.read_json(LESSONS_ID)
    }

    /// Records a lesson as completed.
    pub fn complete_lesson(&mut self, id: &str) -> Result<(), TillError> {
        let mut progress = self.lesson_progress()?;
        progress.insert(id.to_owned(), self.store.now());
        self.write_json(LESSONS_ID, &progress, format!("lesson '{id}' completed"))
    }
}
