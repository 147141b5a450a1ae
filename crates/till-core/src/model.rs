//! The key inventory's records, as the vault stores them (sealed) and the UI shows them.
//!
//! A key's metadata and its value are separate sealed records: listing and searching
//! open only metadata, and a value is opened only when it is used (copy, reveal, get).

use chrono::{DateTime, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::TillError;
use crate::reminders::calendar::add_days;
use crate::reminders::{Policy, ReminderSettings};

/// Longest value Till accepts. API keys are well under 1 KiB; PEM keys and service
/// account JSON fit; anything larger is almost certainly a mistake (a whole file).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Longest key name.
pub const MAX_NAME_CHARS: usize = 128;

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyStatus {
    Active,
    Retiring,
    Revoked,
}

impl KeyStatus {
    /// The status's name, as shown, exported and sent over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retiring => "retiring",
            Self::Revoked => "revoked",
        }
    }
}

impl std::fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's metadata: everything but its value. Sealed at rest; the window gets a
/// [`KeyView`] instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize)]
pub struct KeyMeta {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub environment: String,
    pub owner: Option<String>,
    pub purpose: Option<String>,
    pub scopes: Vec<String>,
    /// Where the key is deployed (free text: "GitHub Actions: deploy.yml", "prod k8s secret").
    pub places: Vec<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    #[zeroize(skip)]
    pub status: KeyStatus,
    #[zeroize(skip)]
    pub created_at: DateTime<Utc>,
    #[zeroize(skip)]
    pub updated_at: DateTime<Utc>,
    #[zeroize(skip)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Own intervals; `None` follows the policy (settings, environment, catalog).
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    /// How many days ahead to warn; `None` follows the policy.
    #[serde(default)]
    pub lead_days: Option<u32>,
    #[zeroize(skip)]
    pub last_rotated_at: DateTime<Utc>,
    #[zeroize(skip)]
    pub last_audited_at: Option<DateTime<Utc>>,
    /// Reminders for this key are held until then ("Snooze 1 day").
    #[serde(default)]
    #[zeroize(skip)]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The last live check against the provider.
    #[serde(default)]
    pub last_verified: Option<Verified>,
    /// A rotation runbook in progress, so it can be left and resumed.
    #[serde(default)]
    pub rotation: Option<RotationRun>,
    /// Shown first in the tray's Copy menu.
    #[serde(default)]
    pub pinned: bool,
    /// When the key was last copied (the tray lists recent copies).
    #[serde(default)]
    #[zeroize(skip)]
    pub last_copied_at: Option<DateTime<Utc>>,
    /// What the UI shows instead of the value, e.g. `sk-…a1b2`.
    pub fingerprint: String,
    /// Keyed hash of the value (HMAC), to spot the same value stored twice.
    #[serde(default)]
    pub value_hmac: String,
    /// Earlier values, newest first: fingerprints and when they were replaced.
    #[serde(default)]
    pub history: Vec<RetiredValue>,
}

/// The outcome of a live check, as remembered on the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, zeroize::Zeroize)]
#[ts(export)]
pub struct Verified {
    #[zeroize(skip)]
    pub at: DateTime<Utc>,
    #[zeroize(skip)]
    pub outcome: crate::verify::Outcome,
    pub message: String,
    /// Which value was checked.
    pub fingerprint: String,
}

/// The steps of a rotation runbook, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RotationStep {
    /// Create a new key at the provider, with the same scopes.
    CreateNew,
    /// Paste it into Till (the old value is kept for the rollback window).
    PasteNew,
    /// Check the new key is live.
    Verify,
    /// Update every place the key is deployed.
    UpdatePlaces,
    /// Confirm nothing uses the old key any more.
    ConfirmOldUnused,
    /// Revoke the old key at the provider.
    RevokeOld,
}

/// A rotation in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, zeroize::Zeroize)]
#[ts(export)]
pub struct RotationRun {
    #[zeroize(skip)]
    pub started_at: DateTime<Utc>,
    /// The step to do next.
    #[zeroize(skip)]
    pub step: RotationStep,
    pub old_fingerprint: String,
    pub new_fingerprint: Option<String>,
    /// Places already updated to the new key.
    pub places_updated: Vec<String>,
}

/// A value that was replaced: what it looked like, and until when it can be restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, zeroize::Zeroize)]
#[ts(export)]
pub struct RetiredValue {
    pub fingerprint: String,
    #[zeroize(skip)]
    pub retired_at: DateTime<Utc>,
    /// The value itself is kept (sealed) until then, for a rollback.
    #[zeroize(skip)]
    pub keep_until: DateTime<Utc>,
    #[ts(skip)]
    #[serde(default)]
    pub value_hmac: String,
}

/// Changes to a key's details; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct KeyChanges {
    pub name: Option<String>,
    pub provider: Option<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub purpose: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    pub places: Option<Vec<String>>,
    pub pinned: Option<bool>,
    /// 0 goes back to the policy's interval.
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    pub lead_days: Option<u32>,
}

impl KeyMeta {
    /// True if `query` matches the key by Till's one search ([`crate::search`]): every
    /// word in its name, provider, environment, owner, purpose, scopes or tags, letters in
    /// order.
    pub fn matches(&self, query: &str) -> bool {
        crate::search::matches(self, query)
    }
}

/// A key as the window shows it: metadata and due dates, never the value or its HMAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub environment: String,
    pub owner: Option<String>,
    pub purpose: Option<String>,
    pub scopes: Vec<String>,
    pub places: Vec<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    pub lead_days: Option<u32>,
    /// The intervals that apply (own, or from the policy).
    pub policy: Policy,
    pub last_rotated_at: DateTime<Utc>,
    pub last_audited_at: Option<DateTime<Utc>>,
    pub next_rotation_due: DateTime<Utc>,
    pub next_audit_due: DateTime<Utc>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub last_verified: Option<Verified>,
    pub rotation: Option<RotationRun>,
    pub pinned: bool,
    pub last_copied_at: Option<DateTime<Utc>>,
    pub fingerprint: String,
    pub history: Vec<RetiredValue>,
    /// Until when the last replaced value can be rolled back to, by Till's clock
    /// (`None`: nothing to roll back to).
    pub rollback_until: Option<DateTime<Utc>>,
    pub can_roll_back: bool,
}

impl KeyView {
    /// The view of `k` under these reminder settings at `now` (Till's clock), with due
    /// dates in `tz`.
    pub fn new<Tz: TimeZone>(
        k: &KeyMeta,
        settings: &ReminderSettings,
        now: DateTime<Utc>,
        tz: &Tz,
    ) -> Self {
        let rollback_until = crate::runbook::rollback_until(&k.history, now);
        let policy = settings.policy_for(k);
        let after = |from: DateTime<Utc>, days: u32| add_days(from, i64::from(days), tz);
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            provider: k.provider.clone(),
            environment: k.environment.clone(),
            owner: k.owner.clone(),
            purpose: k.purpose.clone(),
            scopes: k.scopes.clone(),
            places: k.places.clone(),
            tags: k.tags.clone(),
            notes: k.notes.clone(),
            status: k.status,
            created_at: k.created_at,
            updated_at: k.updated_at,
            expires_at: k.expires_at,
            rotate_every_days: k.rotate_every_days,
            audit_every_days: k.audit_every_days,
            lead_days: k.lead_days,
            policy,
            last_rotated_at: k.last_rotated_at,
            last_audited_at: k.last_audited_at,
            next_rotation_due: after(k.last_rotated_at, policy.rotate_every_days),
            next_audit_due: after(
                k.last_audited_at.unwrap_or(k.created_at),
                policy.audit_every_days,
            ),
            snoozed_until: k.snoozed_until,
            last_verified: k.last_verified.clone(),
            rotation: k.rotation.clone(),
            pinned: k.pinned,
            last_copied_at: k.last_copied_at,
            fingerprint: k.fingerprint.clone(),
            history: k.history.clone(),
            rollback_until,
            can_roll_back: rollback_until.is_some(),
        }
    }
}

/// A key's details as the add form sends them; the value travels separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct KeyInput {
    pub name: String,
    pub provider: Option<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub purpose: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the user supplies to add a key.
#[derive(Debug)]
pub struct NewKey {
    pub name: String,
    pub provider: Option<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub purpose: Option<String>,
    pub scopes: Vec<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub value: SecretString,
}

impl NewKey {
    /// A key from the add form's fields and its value. Blank optional fields are unset.
    pub fn from_input(input: KeyInput, value: SecretString) -> Self {
        let blank_to_none = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let clean = |list: Vec<String>| -> Vec<String> {
            list.into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Self {
            name: input.name.trim().to_owned(),
            provider: blank_to_none(input.provider),
            environment: blank_to_none(input.environment),
            owner: blank_to_none(input.owner),
            purpose: blank_to_none(input.purpose),
            scopes: clean(input.scopes),
            tags: clean(input.tags),
            notes: blank_to_none(input.notes),
            rotate_every_days: input.rotate_every_days,
            audit_every_days: input.audit_every_days,
            expires_at: input.expires_at,
            value,
        }
    }

    /// A key with only a name and a value; everything else defaulted.
    pub fn new(name: impl Into<String>, value: SecretString) -> Self {
        Self {
            name: name.into(),
            provider: None,
            environment: None,
            owner: None,
            purpose: None,
            scopes: Vec::new(),
            tags: Vec::new(),
            notes: None,
            rotate_every_days: None,
            audit_every_days: None,
            expires_at: None,
            value,
        }
    }
}

/// Checks a key name: 1–128 characters, no control characters, not just spaces.
pub fn validate_name(name: &str) -> Result<(), TillError> {
    let invalid = |why: &str| TillError::InvalidInput {
        what: format!("the key name {why}: use up to {MAX_NAME_CHARS} printable characters"),
    };
    if name.trim().is_empty() {
        return Err(invalid("is empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("is too long"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("contains control characters"));
    }
    Ok(())
}

/// Checks a value: not empty, at most [`MAX_VALUE_BYTES`], no NUL or other control
/// characters but tab and newlines (PEM keys span lines).
pub fn validate_value(value: &SecretString) -> Result<(), TillError> {
    let text = value.expose_secret();
    let invalid = |what: String| TillError::InvalidInput { what };
    if text.trim().is_empty() {
        return Err(invalid(
            "the key value is empty: paste the key itself".into(),
        ));
    }
    if text.len() > MAX_VALUE_BYTES {
        return Err(invalid(format!(
            "the key value is {} bytes, over the {} KiB limit: is this a whole file rather than a key?",
            text.len(),
            MAX_VALUE_BYTES / 1024
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(invalid(
            "the key value contains control characters (binary data?): API keys are text".into(),
        ));
    }
    Ok(())
}

/// Reads a value from raw bytes (stdin, a file): must be UTF-8 text; one trailing
/// newline, as `echo` and editors add, is dropped.
pub fn value_from_bytes(bytes: Vec<u8>) -> Result<SecretString, TillError> {
    let mut text = String::from_utf8(bytes).map_err(|error| {
        let mut bytes = error.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        TillError::InvalidInput {
            what: "the key value is not UTF-8 text (binary data?): API keys are text".into(),
        }
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    let value = SecretString::from(text);
    validate_value(&value)?;
    Ok(value)
}

/// The display fingerprint: a short known prefix and the last four characters, or only
/// dots for values too short to show any part of safely.
pub fn display_fingerprint(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    if chars.len() < 16 {
        return "••••".into();
    }
    let prefix: String = chars
        .iter()
        .take(8)
        .collect::<String>()
        .split_inclusive(['-', '_'])
        .next()
        .filter(|p| p.ends_with(['-', '_']) && p.len() <= 8)
        .unwrap_or("")
        .to_owned();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

/// Keys for unit tests elsewhere in the crate.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// An active key with no own intervals, created and rotated at 2026-01-01.
    pub fn key(name: &str, provider: &str, environment: &str) -> KeyMeta {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        KeyMeta {
            id: format!("id-{name}"),
            name: name.to_owned(),
            provider: provider.to_owned(),
            environment: environment.to_owned(),
            owner: None,
            purpose: None,
            scopes: Vec::new(),
            places: Vec::new(),
            tags: Vec::new(),
            notes: None,
            status: KeyStatus::Active,
            created_at: start,
            updated_at: start,
            expires_at: None,
            rotate_every_days: None,
            audit_every_days: None,
            lead_days: None,
            last_rotated_at: start,
            last_audited_at: None,
            snoozed_until: None,
            last_verified: None,
            rotation: None,
            pinned: false,
            last_copied_at: None,
            fingerprint: "sk-…test".into(),
            value_hmac: String::new(),
            history: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_shows_prefix_and_tail_only() {
        assert_eq!(
            display_fingerprint("sk-proj-abcdefghijklmnopa1b2"),
            "sk-…a1b2"
        );
        assert_eq!(display_fingerprint("ghp_0123456789abcdefXYZW"), "ghp_…XYZW");
        assert_eq!(display_fingerprint("AKIAIOSFODNN7EXAMPLE"), "…MPLE");
        assert_eq!(display_fingerprint("short"), "••••");
    }

    #[test]
    fn values_must_be_text_of_sane_size() {
        assert!(value_from_bytes(b"sk-test-123\n".to_vec()).is_ok());
        let err = value_from_bytes(vec![0xff, 0xfe, 0x00]).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        let err = value_from_bytes(b"abc\0def".to_vec()).unwrap_err();
        assert!(err.to_string().contains("control characters"), "{err}");
        let err = value_from_bytes(vec![b'a'; 1024 * 1024]).unwrap_err();
        assert!(err.to_string().contains("over the 64 KiB limit"), "{err}");
        let err = value_from_bytes(b"\n".to_vec()).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn status_names_match_the_wire_names() {
        for status in [KeyStatus::Active, KeyStatus::Retiring, KeyStatus::Revoked] {
            let wire = serde_json::to_string(&status).unwrap();
            assert_eq!(wire, format!("\"{}\"", status.as_str()));
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(KeyStatus::Retiring.to_string(), "retiring");
    }

    #[test]
    fn view_offers_a_rollback_only_inside_the_window() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let mut key = tests_support::key("k", "openai", "dev");
        key.history.push(RetiredValue {
            fingerprint: "sk-…old1".into(),
            retired_at: at("2026-02-01T00:00:00Z"),
            keep_until: at("2026-02-08T00:00:00Z"),
            value_hmac: String::new(),
        });
        let settings = ReminderSettings::default();
        let cases = [
            ("2026-02-02T00:00:00Z", true),
            ("2026-02-07T23:59:59Z", true),
            ("2026-02-08T00:00:00Z", false),
            ("2027-01-01T00:00:00Z", false),
        ];
        for (now, open) in cases {
            let view = KeyView::new(&key, &settings, at(now), &Utc);
            assert_eq!(view.can_roll_back, open, "at {now}");
            assert_eq!(view.rollback_until.is_some(), open, "at {now}");
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("OpenAI prod").is_ok());
        assert!(validate_name("  ").is_err());
        assert!(validate_name("a\u{7}b").is_err());
        assert!(validate_name(&"x".repeat(129)).is_err());
    }
}
