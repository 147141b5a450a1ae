//! Importing keys from where they live today: `.env` files and password-manager exports.
//!
//! Importing is two steps, so nothing lands by surprise: [`parse`] reads a file into a
//! preview (the keys it found, and every line it could not use, with its line number);
//! the caller shows it, and only the valid part the user accepts is added, in one
//! transaction (see `Vault::import`). A malformed file never imports anything by itself.

mod bitwarden;
mod csv_exports;
mod dotenv;

pub use dotenv::{assignments as dotenv_assignments, Assignment};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;

use crate::catalog;
use crate::error::TillError;
use crate::model::{validate_name, validate_value, NewKey};

/// The formats Till reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// `NAME=value` lines, as in `.env` files.
    Env,
    /// 1Password's CSV export.
    OnePasswordCsv,
    /// Bitwarden's unencrypted JSON export.
    BitwardenJson,
    /// KeePassXC's CSV export.
    KeePassXcCsv,
}

impl ImportFormat {
    /// Parses the CLI's `--format` value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "env" => Some(Self::Env),
            "1password-csv" => Some(Self::OnePasswordCsv),
            "bitwarden-json" => Some(Self::BitwardenJson),
            "keepassxc-csv" => Some(Self::KeePassXcCsv),
            _ => None,
        }
    }

    /// Guesses the format from the file name and first bytes.
    pub fn guess(file_name: &str, bytes: &[u8]) -> Option<Self> {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
        if file_name.ends_with(".json") || head.trim_start().starts_with('{') {
            return Some(Self::BitwardenJson);
        }
        if head.starts_with("\"group\",\"title\"") || head.starts_with("group,title") {
            return Some(Self::KeePassXcCsv);
        }
        if file_name.ends_with(".csv") {
            return Some(Self::OnePasswordCsv);
        }
        if file_name.contains(".env") || file_name.ends_with(".env") {
            return Some(Self::Env);
        }
        None
    }
}

/// A key found in the file, not yet added.
#[derive(Debug)]
pub struct Candidate {
    /// Where it was found (1-based line; for JSON and backups, the item's position).
    pub line: usize,
    pub key: NewKey,
}

/// A line or item that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

/// What a file holds: keys ready to add and problems to show.
#[derive(Debug, Default)]
pub struct ImportPreview {
    pub candidates: Vec<Candidate>,
    pub problems: Vec<ImportProblem>,
}

impl ImportPreview {
    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(ImportProblem {
            line,
            message: message.into(),
        });
    }

    /// Adds a candidate after checking its name and value; a bad one becomes a problem.
    fn offer(
        &mut self,
        line: usize,
        name: &str,
        value: String,
        notes: Option<String>,
        tags: Vec<String>,
    ) {
        let name = name.trim().to_owned();
        let value = SecretString::from(value);
        if let Err(error) = validate_name(&name).and_then(|()| validate_value(&value)) {
            self.problem(line, format!("'{name}': {error}"));
            return;
        }
        if self.candidates.iter().any(|c| c.key.name == name) {
            self.problem(
                line,
                format!("'{name}' appears twice in the file; the first one is kept"),
            );
            return;
        }
        let mut key = NewKey::new(name, value);
        key.notes = notes.filter(|n| !n.trim().is_empty());
        key.tags = tags;
        self.candidates.push(Candidate { line, key });
    }

    /// The keys of an opened backup, with their metadata, numbered from 1.
    pub fn from_backup(keys: &[crate::backup::BackedUpKey]) -> Self {
        Self {
            candidates: keys
                .iter()
                .enumerate()
                .map(|(i, k)| Candidate {
                    line: i + 1,
                    key: k.to_new_key(),
                })
                .collect(),
            problems: Vec::new(),
        }
    }
}

impl Candidate {
    /// The provider: as given (backups), else recognised from the value.
    pub fn provider(&self) -> Option<String> {
        self.key
            .provider
            .clone()
            .or_else(|| catalog::recognize(self.key.value.expose_secret()).map(|r| r.provider_id))
    }

    /// The key to add.
    pub fn into_new_key(self) -> NewKey {
        let provider = self.provider();
        let mut key = self.key;
        key.provider = provider;
        key
    }
}

/// A candidate as the window's preview shows it: no value, only its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CandidateView {
    pub line: usize,
    pub name: String,
    pub provider: String,
    pub fingerprint: String,
}

/// The import preview for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PreviewView {
    pub format: String,
    pub candidates: Vec<CandidateView>,
    pub problems: Vec<ImportProblem>,
}

impl ImportFormat {
    /// The format's name, as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::OnePasswordCsv => "1password-csv",
            Self::BitwardenJson => "bitwarden-json",
            Self::KeePassXcCsv => "keepassxc-csv",
        }
    }
}

impl ImportPreview {
    /// What the window may see of this preview.
    pub fn view(&self, format: ImportFormat) -> PreviewView {
        PreviewView {
            format: format.name().to_owned(),
            candidates: self
                .candidates
                .iter()
                .map(|c| CandidateView {
                    line: c.line,
                    name: c.key.name.clone(),
                    provider: c.provider().unwrap_or_else(|| catalog::GENERIC.into()),
                    fingerprint: crate::model::display_fingerprint(c.key.value.expose_secret()),
                })
                .collect(),
            problems: self.problems.clone(),
        }
    }
}

/// Reads `bytes` in `format` into a preview. Fails only when the file as a whole cannot
/// be read (not text, an encrypted export); line-level trouble goes into the preview.
pub fn parse(format: ImportFormat, bytes: &[u8]) -> Result<ImportPreview, TillError> {
    let text = std::str::from_utf8(bytes).map_err(|e| TillError::InvalidInput {
        what: format!(
            "the file is not UTF-8 text (byte {} is not valid): is it the right file?",
            e.valid_up_to()
        ),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        ImportFormat::Env => Ok(dotenv::parse(text)),
        ImportFormat::OnePasswordCsv => csv_exports::parse_1password(text),
        ImportFormat::KeePassXcCsv => csv_exports::parse_keepassxc(text),
        ImportFormat::BitwardenJson => bitwarden::parse(text),
    }
}
