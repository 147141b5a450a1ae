//! Till's leak scanner: finds API keys in files, staged changes and git history, and
//! names the vault key a found value is, without ever seeing a vault value.
//!
//! The engine takes two things from outside: the provider catalog's key [`Format`]s, and
//! a [`Fingerprints`] set that answers "is this exact string one of the vault's values,
//! and which?" (the CLI backs it with the vault's keyed HMAC). Candidates come from a
//! literal prefilter over the formats' prefixes and key-like names; each candidate and
//! its decoded forms (base64, URL, JSON and shell escapes) is looked up; what is not a
//! vault key may still be an `unknown_key` (a real provider format) or a `till_token`.
//! No value is printed, logged or kept: a finding carries only a redacted fingerprint.
#![forbid(unsafe_code)]

mod candidates;
mod decode;
mod detect;
mod entropy;
pub mod git;
mod prefilter;
pub mod report;
pub mod sarif;
pub mod skips;
mod suppress;
pub mod walk;

use serde::Serialize;

pub use decode::Encoding;
pub use detect::Scanner;
pub use suppress::{ALLOW_MARKER, IGNORE_FILE};

/// Files larger than this are skipped unless the caller says otherwise (1 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

/// One key format of a provider, from the catalog.
#[derive(Debug, Clone)]
pub struct Format {
    /// The provider's id (`stripe`).
    pub provider: String,
    /// What kind of key this is (`live secret key`).
    pub label: String,
    /// The literal prefix every value of this format starts with.
    pub prefix: String,
    /// The whole value must match (anchored `^…$`, starting with the prefix).
    pub regex: String,
    /// Where such keys are revoked, for the next step of a finding.
    pub console_url: Option<String>,
    /// Till's own agent token: reported as `till_token`, not `unknown_key`.
    pub agent_token: bool,
}

/// A vault key, as a fingerprint hit names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultMatch {
    pub key: String,
    pub provider: String,
    /// The redacted fingerprint the vault shows for the value (`sk-…WXYZ`).
    pub fingerprint: String,
}

/// The vault's values, by keyed fingerprint. Implementations hash `candidate` with the
/// vault's key and look the hash up; the scanner never sees a value or the key.
pub trait Fingerprints: Sync {
    fn lookup(&self, candidate: &[u8]) -> Option<VaultMatch>;
}

/// No vault: nothing is a vault key (the other kinds are still found).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVault;

impl Fingerprints for NoVault {
    fn lookup(&self, _candidate: &[u8]) -> Option<VaultMatch> {
        None
    }
}

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A value of a key in the vault: named, rotate it.
    VaultKey,
    /// A real provider format that is not in the vault: add it or revoke it.
    UnknownKey,
    /// A Till agent token: revoke it at once.
    TillToken,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::VaultKey, Kind::UnknownKey, Kind::TillToken];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::VaultKey => "vault_key",
            Self::UnknownKey => "unknown_key",
            Self::TillToken => "till_token",
        }
    }
}

/// A leak found in a file or a blob. Holds no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, as walked (or its path in the repository for git scans).
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub kind: Kind,
    /// The vault key's name (vault keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub provider: String,
    /// Redacted: a known prefix and the last four characters at most.
    pub fingerprint: String,
    /// How the value was written (`raw`, `base64`, `url`, `json`, `shell`).
    pub encoding: Encoding,
    /// The commit that added the blob (history scans only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The path relative to the scan root, for SARIF.
    #[serde(skip)]
    pub relative_path: String,
}

/// What a scan looked at, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub skipped_large: u64,
    pub skipped_binary: u64,
}

/// The result of a scan: findings (sorted by path and line), what was scanned, and the
/// files that could not be read (the scan goes on without them).
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub errors: Vec<String>,
}

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}")]
    Setup(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Git(String),
    #[error("the scan was stopped before it finished")]
    Stopped,
}

/// Whether a file's bytes are binary (a NUL in the first 8 KiB, as git decides).
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}
