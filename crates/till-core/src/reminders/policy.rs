//! How often each key must be rotated and audited, and how early Till warns.
//!
//! A key's own setting wins; then `settings.toml` for its environment, then the global
//! `[reminders]` settings, then Till's defaults: the provider catalog's rotation interval
//! for production keys (twice as long elsewhere), audits every 90 days in production and
//! 180 elsewhere, and a lead time of 14 days in production and 7 elsewhere. Production is
//! stricter because a leaked production key costs real money.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog;
use crate::model::KeyMeta;

/// Rotation and audit intervals that apply when nothing else is set.
const PROD_AUDIT_DAYS: u32 = 90;
const OTHER_AUDIT_DAYS: u32 = 180;
const PROD_LEAD_DAYS: u32 = 14;
const OTHER_LEAD_DAYS: u32 = 7;
/// Outside production the catalog's rotation interval is stretched by this factor.
const OTHER_ROTATION_FACTOR: u32 = 2;
/// More reminders than this at once become one digest notification.
pub const DEFAULT_DIGEST_OVER: usize = 3;

/// Whether an environment name means production.
pub fn is_production(environment: &str) -> bool {
    matches!(
        environment.trim().to_lowercase().as_str(),
        "prod" | "production" | "live"
    )
}

/// Intervals for one environment, from `settings.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntervalSettings {
    pub rotate_every_days: Option<u32>,
    pub audit_every_days: Option<u32>,
    pub lead_days: Option<u32>,
}

/// The `[reminders]` table of `settings.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReminderSettings {
    /// Overrides for every environment.
    #[serde(flatten)]
    pub all: IntervalSettings,
    /// Overrides per environment name, e.g. `[reminders.environments.prod]`.
    pub environments: BTreeMap<String, IntervalSettings>,
    /// No notifications between these local times, e.g. `"22:00-08:00"`.
    pub quiet_hours: Option<QuietHours>,
    /// More reminders than this at once become one digest.
    pub digest_over: usize,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            all: IntervalSettings::default(),
            environments: BTreeMap::new(),
            quiet_hours: None,
            digest_over: DEFAULT_DIGEST_OVER,
        }
    }
}

/// A daily stretch of local time without notifications; may span midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TryFrom<String> for QuietHours {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let invalid = || format!("quiet_hours must look like \"22:00-08:00\", not \"{text}\"");
        let (start, end) = text.split_once('-').ok_or_else(invalid)?;
        let parse = |part: &str| NaiveTime::parse_from_str(part.trim(), "%H:%M");
        match (parse(start), parse(end)) {
            (Ok(start), Ok(end)) if start != end => Ok(Self { start, end }),
            _ => Err(invalid()),
        }
    }
}

impl QuietHours {
    /// Whether a local time of day is inside the quiet stretch (start included, end not).
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// The intervals that apply to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Policy {
    pub rotate_every_days: u32,
    pub audit_every_days: u32,
    pub lead_days: u32,
}

impl ReminderSettings {
    /// The policy for `key`: its own values, then settings, then Till's defaults.
    pub fn policy_for(&self, key: &KeyMeta) -> Policy {
        let production = is_production(&key.environment);
        let environment = self
            .environments
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key.environment.trim()))
            .map(|(_, settings)| settings);
        let pick = |own: Option<u32>, field: fn(&IntervalSettings) -> Option<u32>, default: u32| {
            own.filter(|days| *days > 0)
                .or_else(|| environment.and_then(field))
                .or_else(|| field(&self.all))
                .unwrap_or(default)
                .max(1)
        };
        let catalog_rotation = catalog::provider_or_generic(&key.provider).rotate_every_days;
        let (rotation, audit, lead) = if production {
            (catalog_rotation, PROD_AUDIT_DAYS, PROD_LEAD_DAYS)
        } else {
            (
                catalog_rotation * OTHER_ROTATION_FACTOR,
                OTHER_AUDIT_DAYS,
                OTHER_LEAD_DAYS,
            )
        };
        Policy {
            rotate_every_days: pick(key.rotate_every_days, |s| s.rotate_every_days, rotation),
            audit_every_days: pick(key.audit_every_days, |s| s.audit_every_days, audit),
            lead_days: pick(key.lead_days, |s| s.lead_days, lead),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;

    #[test]
    fn production_is_stricter_than_dev_by_default() {
        let settings = ReminderSettings::default();
        let prod = settings.policy_for(&key("a", "openai", "prod"));
        let dev = settings.policy_for(&key("b", "openai", "dev"));
        assert_eq!(prod.rotate_every_days, 90);
        assert_eq!(dev.rotate_every_days, 180);
        assert!(prod.audit_every_days < dev.audit_every_days);
        assert!(prod.lead_days > dev.lead_days);
    }

    #[test]
    fn the_key_beats_its_environment_which_beats_the_global_setting() {
        let settings: ReminderSettings = toml::from_str(
            "rotate_every_days = 60\nlead_days = 3\n[environments.PROD]\nrotate_every_days = 30\n",
        )
        .unwrap();
        let mut prod = key("a", "openai", "prod");
        assert_eq!(settings.policy_for(&prod).rotate_every_days, 30);
        assert_eq!(settings.policy_for(&prod).lead_days, 3);
        assert_eq!(
            settings
                .policy_for(&key("b", "openai", "staging"))
                .rotate_every_days,
            60
        );
        prod.rotate_every_days = Some(14);
        assert_eq!(settings.policy_for(&prod).rotate_every_days, 14);
    }

    #[test]
    fn quiet_hours_parse_and_may_span_midnight() {
        let night = QuietHours::try_from("22:00-08:00".to_owned()).unwrap();
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").unwrap();
        assert!(night.contains(time("23:59")) && night.contains(time("07:59")));
        assert!(!night.contains(time("08:00")) && !night.contains(time("12:00")));
        let lunch = QuietHours::try_from("12:00-13:00".to_owned()).unwrap();
        assert!(lunch.contains(time("12:30")) && !lunch.contains(time("13:00")));
        for bad in ["22-08", "22:00", "25:00-08:00", "08:00-08:00"] {
            let error = QuietHours::try_from(bad.to_owned()).unwrap_err();
            assert!(error.contains("22:00-08:00"), "{error}");
        }
    }
}
