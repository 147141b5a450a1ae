//! Opening a key's value: one path, one audit contract.
//!
//! Every way a value leaves the store goes through [`open_value`], and every public way
//! in is a [`Values`] method that audits what the value was opened for in the same
//! transaction: a reveal, a copy (with the scope asked and whether it was least
//! privilege), a run that injects it, an export. A live check is the one use whose
//! outcome is known only later: [`Values::for_check`] hands out a [`CheckTicket`] that
//! carries the value, and the audit entry is written when the ticket is redeemed with the
//! outcome ([`super::Vault::record_check`]); the ticket cannot be built any other way.

use secrecy::{ExposeSecret, SecretString};

use super::copy::CopyPlan;
use super::inventory::{Inventory, Keys};
use super::store::audit::{AuditAction, AuditDetails};
use super::store::{RecordKind, Store};
use crate::backup::BackedUpKey;
use crate::error::TillError;
use crate::model::KeyMeta;
use crate::reminders::ReminderSettings;

/// The one place a key's current value is unsealed.
pub(super) fn open_value(store: &Store, meta: &KeyMeta) -> Result<SecretString, TillError> {
    store
        .secret(RecordKind::Value, &meta.id)?
        .ok_or_else(|| store.corrupt(format!("the value of '{}' is missing", meta.name)))
}

/// What a value is opened for; each is audited as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueUse {
    /// Shown to the person; says where ("shown in the window", "printed by till get").
    Reveal(String),
    /// Injected into a process's environment (`till run`); `detail` names the command.
    Inject { detail: String },
}

/// A key's value opened for a live check, with its metadata. Redeem it with the outcome
/// ([`super::Vault::record_check`]), which writes the audit entry.
#[derive(Debug)]
pub struct CheckTicket {
    pub meta: KeyMeta,
    pub value: SecretString,
}

/// Opens values, auditing each use.
#[derive(Debug)]
pub struct Values<'v> {
    pub(super) store: &'v mut Store,
    pub(super) inventory: &'v mut Inventory,
    pub(super) settings: &'v ReminderSettings,
}

impl Values<'_> {
    /// Opens the value of `name` for `why`, audited in the same transaction.
    pub fn open(&mut self, name: &str, why: ValueUse) -> Result<SecretString, TillError> {
        let meta = self.inventory.find(name)?.clone();
        let value = open_value(self.store, &meta)?;
        let (action, detail) = match why {
            ValueUse::Reveal(detail) => (AuditAction::Reveal, Some(detail)),
            ValueUse::Inject { detail } => (AuditAction::Run, Some(detail)),
        };
        let write = self.store.begin()?;
        write.audit(AuditDetails::key(action, &meta, detail))?;
        write.commit()?;
        Ok(value)
    }

    /// Opens the planned key's value for the clipboard and audits the copy (and its
    /// last-copied time). A broader key is refused unless `allow_broader` says the person
    /// agreed.
    pub fn for_copy(
        &mut self,
        plan: &CopyPlan,
        allow_broader: bool,
    ) -> Result<SecretString, TillError> {
        if plan.broader && !allow_broader {
            return Err(TillError::InvalidInput {
                what: format!("{}; confirm to copy it anyway", plan.why),
            });
        }
        let mut meta = self.inventory.find(&plan.key_name)?.clone();
        let value = open_value(self.store, &meta)?;
        meta.last_copied_at = Some(self.store.now());
        self.keys()
            .save(&meta, AuditAction::Copy, Some(plan.audit_detail()))?;
        Ok(value)
    }

    /// Opens a value for a live check; the check is audited when its outcome is recorded.
    pub fn for_check(&mut self, name: &str) -> Result<CheckTicket, TillError> {
        let meta = self.inventory.find(name)?.clone();
        let value = open_value(self.store, &meta)?;
        Ok(CheckTicket { meta, value })
    }

    /// Every key with its value, for an encrypted backup; audited once as an export.
    pub fn export_all(&mut self, detail: &str) -> Result<Vec<BackedUpKey>, TillError> {
        let mut out = Vec::with_capacity(self.inventory.len());
        for meta in self.inventory.iter() {
            let value = open_value(self.store, meta)?;
            out.push(BackedUpKey::new(meta.clone(), value));
        }
        let write = self.store.begin()?;
        write.audit(AuditDetails::vault(
            AuditAction::Export,
            Some(detail.to_owned()),
        ))?;
        write.commit()?;
        Ok(out)
    }

    fn keys(&mut self) -> Keys<'_> {
        Keys {
            store: self.store,
            inventory: self.inventory,
            settings: self.settings,
        }
    }
}

/// The value behind a ticket, for the check's request header only.
impl CheckTicket {
    /// The value, for the one request that checks it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }
}
