//! Encrypted backups: every key and value in one file, sealed with a backup password,
//! restorable into any vault (`till import FILE --format till`).
//!
//! The file is JSON so it can be inspected (format, version, KDF parameters) without the
//! password: `{"format": "till-backup", "version": 1, "kdf": {…}, "salt": hex,
//! "sealed": hex}`. `sealed` is the usual envelope over the key list, bound to the
//! format name and version.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::kdf::{derive_key, KdfParams, SALT_LEN};
use crate::crypto::{envelope, fill_random, from_hex, hex};
use crate::error::TillError;
use crate::model::{KeyMeta, NewKey};

const FORMAT: &str = "till-backup";
const VERSION: u32 = 1;
const AAD: &[u8] = b"till/backup/v1";

#[derive(Serialize, Deserialize)]
struct BackupFile {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    kdf: KdfParams,
    salt: String,
    sealed: String,
}

/// One key in a backup: its metadata and its value, held as a secret.
pub struct BackedUpKey {
    pub meta: KeyMeta,
    value: SecretString,
}

impl std::fmt::Debug for BackedUpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackedUpKey")
            .field("id", &self.meta.id)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// A key as it is written inside the sealed payload (borrowed, never kept).
#[derive(Serialize)]
struct WireOut<'a> {
    meta: &'a KeyMeta,
    value: &'a str,
}

/// A key as read from the opened payload; its value moves straight into a secret.
#[derive(Deserialize)]
struct WireIn {
    meta: KeyMeta,
    value: String,
}

impl BackedUpKey {
    /// A key and its value, for a backup.
    pub fn new(meta: KeyMeta, value: SecretString) -> Self {
        Self { meta, value }
    }

    /// The value, for restoring it.
    pub fn value(&self) -> &SecretString {
        &self.value
    }

    /// The key to add when restoring: metadata kept, dates reset by the vault.
    pub fn to_new_key(&self) -> NewKey {
        let m = &self.meta;
        let mut key = NewKey::new(m.name.clone(), self.value.clone());
        key.provider = Some(m.provider.clone());
        key.environment = Some(m.environment.clone());
        key.owner = m.owner.clone();
        key.purpose = m.purpose.clone();
        key.scopes = m.scopes.clone();
        key.tags = m.tags.clone();
        key.notes = m.notes.clone();
        key.rotate_every_days = m.rotate_every_days;
        key.audit_every_days = m.audit_every_days;
        key.expires_at = m.expires_at;
        key
    }
}

/// Seals `keys` into backup file contents under `password`.
pub fn seal(
    keys: &[BackedUpKey],
    password: &SecretString,
    kdf: KdfParams,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, TillError> {
    crate::password::check_new_password(password)?;
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt);
    let kek = derive_key(password, &salt, kdf).map_err(|e| TillError::Internal {
        what: e.to_string(),
    })?;
    let wire: Vec<WireOut<'_>> = keys
        .iter()
        .map(|k| WireOut {
            meta: &k.meta,
            value: k.value.expose_secret(),
        })
        .collect();
    let plaintext = Zeroizing::new(serde_json::to_vec(&wire).map_err(|e| TillError::Internal {
        what: e.to_string(),
    })?);
    let file = BackupFile {
        format: FORMAT.into(),
        version: VERSION,
        created_at: now,
        kdf,
        salt: hex(&salt),
        sealed: hex(&envelope::seal(&kek, AAD, &plaintext)),
    };
    serde_json::to_vec_pretty(&file).map_err(|e| TillError::Internal {
        what: e.to_string(),
    })
}

/// Opens backup file contents with `password`.
pub fn open(bytes: &[u8], password: &SecretString) -> Result<Vec<BackedUpKey>, TillError> {
    let invalid = |what: String| TillError::InvalidInput { what };
    let file: BackupFile = serde_json::from_slice(bytes).map_err(|e| {
        invalid(format!(
            "not a Till backup (line {} column {}: {e})",
            e.line(),
            e.column()
        ))
    })?;
    if file.format != FORMAT {
        return Err(invalid(format!(
            "not a Till backup (format '{}')",
            file.format
        )));
    }
    if file.version > VERSION {
        return Err(invalid(format!(
            "this backup has version {}, newer than this Till knows ({VERSION}): update Till",
            file.version
        )));
    }
    let salt =
        from_hex(&file.salt).ok_or_else(|| invalid("the backup's salt is damaged".into()))?;
    let sealed = from_hex(&file.sealed)
        .ok_or_else(|| invalid("the backup's contents are damaged".into()))?;
    let kek = derive_key(password, &salt, file.kdf).map_err(|_| {
        invalid("the backup's password parameters are below the safe minimum".into())
    })?;
    let plaintext = envelope::open(&kek, AAD, &sealed).map_err(|error| match error {
        envelope::EnvelopeError::Tampered => invalid(
            "the backup password is wrong, or the file was changed: nothing was imported".into(),
        ),
        other => invalid(format!("the backup is damaged ({other})")),
    })?;
    let wire: Vec<WireIn> = serde_json::from_slice(&plaintext)
        .map_err(|e| invalid(format!("the backup's contents are unreadable ({e})")))?;
    Ok(wire
        .into_iter()
        .map(|k| BackedUpKey::new(k.meta, SecretString::from(k.value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BackedUpKey {
        let now: DateTime<Utc> = "2026-11-27T09:00:00Z".parse().unwrap();
        let mut meta = crate::model::tests_support::key("Stripe", "stripe", "prod");
        meta.id = "a".into();
        meta.owner = Some("grace-hopper".into());
        meta.scopes = vec!["stripe:charges:read".into()];
        meta.created_at = now;
        meta.updated_at = now;
        meta.last_rotated_at = now;
        meta.rotate_every_days = Some(90);
        meta.fingerprint = "rk_…abcd".into();
        BackedUpKey::new(meta, SecretString::from("rk_live_backup_secret_value"))
    }

    #[test]
    fn round_trips_and_hides_everything_but_the_header() {
        let password = SecretString::from("backup passphrase");
        let now = "2026-11-27T09:00:00Z".parse().unwrap();
        let bytes = seal(&[sample()], &password, KdfParams::OWASP_FLOOR, now).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("till-backup"));
        assert!(!text.contains("rk_live") && !text.contains("Stripe") && !text.contains("grace"));
        let keys = open(&bytes, &password).unwrap();
        assert_eq!(
            keys[0].value().expose_secret(),
            "rk_live_backup_secret_value"
        );
        assert_eq!(keys[0].meta.scopes, vec!["stripe:charges:read"]);
    }

    #[test]
    fn wrong_password_tampering_and_garbage_are_explained() {
        let password = SecretString::from("backup passphrase");
        let now = "2026-11-27T09:00:00Z".parse().unwrap();
        let bytes = seal(&[sample()], &password, KdfParams::OWASP_FLOOR, now).unwrap();
        let err = open(&bytes, &SecretString::from("other passphrase")).unwrap_err();
        assert!(err.to_string().contains("password is wrong"), "{err}");
        let mut file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let sealed = file["sealed"].as_str().unwrap().to_owned();
        let flipped = format!(
            "{}{}",
            &sealed[..sealed.len() - 1],
            if sealed.ends_with('0') { "1" } else { "0" }
        );
        file["sealed"] = flipped.into();
        let err = open(&serde_json::to_vec(&file).unwrap(), &password).unwrap_err();
        assert!(err.to_string().contains("changed"), "{err}");
        let err = open(b"KEY=value", &password).unwrap_err();
        assert!(err.to_string().contains("not a Till backup"), "{err}");
        let err = seal(
            &[],
            &SecretString::from("short"),
            KdfParams::OWASP_FLOOR,
            now,
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least 8"), "{err}");
    }
}
