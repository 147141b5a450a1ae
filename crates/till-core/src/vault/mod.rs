//! The vault: a thin facade over the sealed store, opened with a key from the OS keyring
//! or the master password.
//!
//! [`Vault`] owns the [`store`] (connection, sub-keys, audit chain), the decrypted
//! [`Inventory`] and the reminder policies it was opened with; all three are dropped
//! (keys and decrypted fields zeroized) when it is locked or dropped. Each capability is
//! its own module over the store, reached through a short-lived handle:
//! [`Vault::keys_mut`] (the inventory), [`Vault::values`] (opening values, audited),
//! [`Vault::copies`] (copy planning and purposes), [`Vault::reminders`],
//! [`Vault::rotation`], [`Vault::grants`] (agent keys) and [`Vault::training`]. Every change is one SQLite transaction
//! that also appends its audit entry, so an acknowledged action is durable and audited.

mod agent_watch;
mod copy;
mod fingerprints;
mod grants;
mod inventory;
mod leak_response;
mod reminders;
mod rotation;
mod store;
mod training;
mod values;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Local;
use secrecy::SecretString;

use crate::clock::Clock;
use crate::crypto::kdf::KdfParams;
use crate::error::TillError;
use crate::keyring::Keyring;
use crate::model::{KeyMeta, KeyView};
use crate::paths::TillPaths;
use crate::reminders::{DueItem, ReminderSettings};
use crate::settings::Settings;
use crate::status::VAULT_FILE_NAME;

pub use crate::agents::cap_change::CapChange;
pub use agent_watch::{AgentLook, AgentWatch};
pub use copy::{Copies, CopyPlan, CopyRequest, Purpose};
pub use fingerprints::{Fingerprinter, KeyRef};
pub use grants::{describe_limits, GrantView, Grants, Minted, NewGrant};
pub use inventory::{ImportReport, Inventory, Keys};
pub use leak_response::LeakResponse;
pub use reminders::{due_while_locked, AuditReview, LockedDue, Reminders};
pub use rotation::{RotationAction, RotationInput, Runbook};
pub use store::audit::{self, AuditAction, AuditEntry, Verdict};
pub use store::{throttle, DailyUsage, RecordKind, Unlock};
pub use training::{team_file_error, LessonProgress, Onboarding, TeamScan, Training};
pub use values::{CheckTicket, ValueUse, Values};

use store::audit::AuditDetails;
use store::Store;

/// How long a replaced value is kept for a rollback.
pub const ROLLBACK_WINDOW_DAYS: i64 = 7;

/// An open vault.
pub struct Vault {
    store: Store,
    inventory: Inventory,
    /// Reminder policies from the settings, for due dates and the plaintext due index.
    reminders: ReminderSettings,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("store", &self.store)
            .field("keys", &self.inventory.len())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Where the vault file lives.
    pub fn file(paths: &TillPaths) -> PathBuf {
        paths.data_dir.join(VAULT_FILE_NAME)
    }

    /// Whether a vault exists in these paths.
    pub fn exists(paths: &TillPaths) -> bool {
        Self::file(paths).is_file()
    }

    /// Creates a vault protected by `password` and, if given, by a key in `keyring`.
    pub fn create(
        paths: &TillPaths,
        password: &SecretString,
        kdf: KdfParams,
        keyring: Option<&Keyring>,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> Result<Self, TillError> {
        let path = Self::file(paths);
        if path.exists() {
            return Err(TillError::VaultExists { path });
        }
        paths.ensure_exist()?;
        let store = Store::create(&path, paths, password, kdf, keyring, clock);
        if store.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        Ok(Self {
            store: store?,
            inventory: Inventory::default(),
            reminders: settings.reminders.clone(),
        })
    }

    /// Opens an existing vault with the reminder policies of `settings`. A wrong password
    /// changes nothing in the vault file; the failure is counted in the state directory
    /// and audited at the next unlock.
    pub fn open(
        paths: &TillPaths,
        unlock: Unlock<'_>,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> Result<Self, TillError> {
        let path = Self::file(paths);
        if !path.is_file() {
            return Err(TillError::VaultMissing { path });
        }
        let store = Store::open(path, paths, unlock, clock)?;
        let inventory = Inventory::load(&store)?;
        let mut vault = Self {
            store,
            inventory,
            reminders: settings.reminders.clone(),
        };
        // Settings may have changed since the keys were written: the due index follows.
        vault.keys_mut().refresh_due_index()?;
        Ok(vault)
    }

    /// A second handle on this open vault (its own connection and copy of the keys), for
    /// a gateway served inside this process while this one stays in use.
    pub fn second_connection(&self) -> Result<Self, TillError> {
        let store = self.store.reopen()?;
        let inventory = Inventory::load(&store)?;
        Ok(Self {
            store,
            inventory,
            reminders: self.reminders.clone(),
        })
    }

    /// Whether the OS keyring opens this vault at login; otherwise it always asks for
    /// the master password.
    pub fn opens_at_login(&self) -> Result<bool, TillError> {
        self.store.opens_at_login()
    }

    /// The open vault's key, for the session socket: a same-user `till` opens the vault
    /// with it instead of asking for the password (see [`crate::session`]).
    pub fn session_key(&self) -> crate::session::SessionKey {
        self.store.session_key()
    }

    /// This vault's id (names its keyring entry).
    pub fn id(&self) -> &str {
        self.store.vault_id()
    }

    /// All keys, sorted by name, with look-ups.
    pub fn keys(&self) -> &Inventory {
        &self.inventory
    }

    /// The reminder policies in use.
    pub fn reminder_settings(&self) -> &ReminderSettings {
        &self.reminders
    }

    /// A key as the window shows it, with its policy and due dates.
    pub fn view(&self, meta: &KeyMeta) -> KeyView {
        KeyView::new(meta, &self.reminders, self.store.now(), &Local)
    }

    /// Everything upcoming or past due now, most urgent first.
    pub fn due_items(&self) -> Vec<DueItem> {
        crate::reminders::due_items(&self.inventory, &self.reminders, self.store.now(), &Local)
    }

    /// The audit log, oldest first (entries that cannot be opened are left to
    /// [`Vault::verify_audit`]).
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, TillError> {
        self.store.audit_log()
    }

    /// Checks the audit chain end to end.
    pub fn verify_audit(&self) -> Result<Verdict, TillError> {
        self.store.verify_audit()
    }

    /// Records an export that opened no value (a metadata CSV) in the audit log.
    pub fn record_export(&mut self, detail: &str) -> Result<(), TillError> {
        let action = self.store.begin()?;
        action.audit(AuditDetails::vault(
            AuditAction::Export,
            Some(detail.to_owned()),
        ))?;
        action.commit()
    }

    /// Records a `till run` in the audit log: which keys, which grants, the command's
    /// name. The caller never passes the command's arguments (they may hold secrets).
    pub fn record_run(&mut self, detail: &str) -> Result<(), TillError> {
        let action = self.store.begin()?;
        action.audit(AuditDetails::vault(
            AuditAction::Run,
            Some(detail.to_owned()),
        ))?;
        action.commit()
    }

    /// Checks `password` against the vault (as a fresh unlock would, with the same
    /// back-off) before a sensitive change such as a new master password.
    pub fn check_password(&self, password: &SecretString) -> Result<(), TillError> {
        self.store.check_password(password)
    }

    /// Changes the master password: the vault key is rewrapped under the new password;
    /// no record is re-encrypted. The keyring wrap, if any, is untouched.
    pub fn change_password(&mut self, new: &SecretString, kdf: KdfParams) -> Result<(), TillError> {
        self.store.change_password(new, kdf)
    }

    /// Tells whether a string found somewhere (a file, a commit) is one of this vault's
    /// values, current or kept for a rollback, by its keyed fingerprint; read-only, and
    /// usable after the vault is locked (it holds its own copy of the fingerprint key).
    pub fn fingerprinter(&self) -> Fingerprinter {
        Fingerprinter::new(self.store.fingerprint_key(), self.inventory.iter())
    }

    /// Adds, edits, rotates and removes keys.
    pub fn keys_mut(&mut self) -> Keys<'_> {
        Keys {
            store: &mut self.store,
            inventory: &mut self.inventory,
            settings: &self.reminders,
        }
    }

    /// Opens values, each use audited.
    pub fn values(&mut self) -> Values<'_> {
        Values {
            store: &mut self.store,
            inventory: &mut self.inventory,
            settings: &self.reminders,
        }
    }

    /// Plans copies and keeps purposes.
    pub fn copies(&mut self) -> Copies<'_> {
        Copies {
            store: &mut self.store,
            inventory: &self.inventory,
            settings: &self.reminders,
        }
    }

    /// The reminder ledger, snoozes, audits and live checks.
    pub fn reminders(&mut self) -> Reminders<'_> {
        Reminders {
            store: &mut self.store,
            inventory: &mut self.inventory,
            settings: &self.reminders,
        }
    }

    /// The rotation runbook.
    pub fn rotation(&mut self) -> Runbook<'_> {
        Runbook {
            keys: self.keys_mut(),
        }
    }

    /// The leaked-key runbook's audited steps.
    pub fn leak_response(&mut self) -> LeakResponse<'_> {
        LeakResponse {
            keys: self.keys_mut(),
        }
    }

    /// Agent keys: grants on the vault's keys, and their usage ledger.
    pub fn grants(&mut self) -> Grants<'_> {
        Grants {
            store: &mut self.store,
            inventory: &self.inventory,
        }
    }

    /// What the tray and the agent alerts watch, and the alert ledger.
    pub fn agent_watch(&mut self) -> AgentWatch<'_> {
        AgentWatch {
            store: &mut self.store,
            inventory: &self.inventory,
        }
    }

    /// The team file, checklist ticks, lessons and the walkthrough.
    pub fn training(&mut self) -> Training<'_> {
        Training {
            store: &mut self.store,
            inventory: &self.inventory,
        }
    }

    /// Locks: records the lock, then drops the keys (zeroized) and the inventory (wiped).
    pub fn lock(mut self) -> Result<(), TillError> {
        let action = self.store.begin()?;
        action.audit(AuditDetails::vault(AuditAction::Lock, None))?;
        action.commit()
    }
}
