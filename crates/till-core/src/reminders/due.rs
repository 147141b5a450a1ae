//! What is due, when, and how urgently, for an explicit "now".
//!
//! Each key has up to three deadlines: its next rotation, its next audit and its expiry.
//! A deadline passes through stages as time goes by: upcoming (inside the lead time),
//! due (its first day), overdue (every day after) or, for expiry, expired. The stage is a
//! pure function of the deadline and "now", so a clock set backwards simply shows an
//! earlier stage; the reminder ledger ([`super::schedule`]) makes sure nothing is
//! announced twice.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::calendar::{add_days, days_between};
use super::policy::{Policy, ReminderSettings};
use crate::model::{KeyMeta, KeyStatus};

/// What falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DueKind {
    Rotation,
    Audit,
    Expiry,
}

impl DueKind {
    /// The kind as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rotation => "rotation",
            Self::Audit => "audit",
            Self::Expiry => "expiry",
        }
    }
}

/// How urgent a deadline is; ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DueState {
    /// Within the lead time before the deadline.
    Upcoming,
    /// The deadline's first day.
    Due,
    /// A day or more past the deadline.
    Overdue,
    /// Past the key's expiry.
    Expired,
}

impl DueState {
    /// The state as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Expired => "expired",
        }
    }

    /// Whether the tray should ask for attention (anything but upcoming).
    pub fn needs_attention(self) -> bool {
        self != Self::Upcoming
    }
}

/// One deadline of one key, whatever its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DueKind,
    pub due_at: DateTime<Utc>,
    /// Start of the lead time: from here on it is upcoming.
    pub notice_from: DateTime<Utc>,
}

impl Deadline {
    /// The stage at `now`, or `None` before the lead time starts.
    pub fn state_at<Tz: TimeZone>(&self, now: DateTime<Utc>, tz: &Tz) -> Option<DueState> {
        if now < self.notice_from {
            None
        } else if now < self.due_at {
            Some(DueState::Upcoming)
        } else if self.kind == DueKind::Expiry {
            Some(DueState::Expired)
        } else if now < add_days(self.due_at, 1, tz) {
            Some(DueState::Due)
        } else {
            Some(DueState::Overdue)
        }
    }

    /// The next moment after `now` when the stage changes (or, overdue, a new day starts).
    pub fn next_change_after<Tz: TimeZone>(
        &self,
        now: DateTime<Utc>,
        tz: &Tz,
    ) -> Option<DateTime<Utc>> {
        if now < self.notice_from {
            return Some(self.notice_from);
        }
        if now < self.due_at {
            return Some(self.due_at);
        }
        if self.kind == DueKind::Expiry {
            return None;
        }
        let days_over = days_between(self.due_at, now, tz).max(0);
        Some(add_days(self.due_at, days_over + 1, tz)).filter(|at| *at > now)
    }
}

/// Every deadline of a key; none for revoked or retiring keys.
pub fn deadlines<Tz: TimeZone>(key: &KeyMeta, policy: Policy, tz: &Tz) -> Vec<Deadline> {
    if key.status != KeyStatus::Active {
        return Vec::new();
    }
    let lead = i64::from(policy.lead_days);
    let deadline = |kind, due_at| Deadline {
        kind,
        due_at,
        notice_from: add_days(due_at, -lead, tz),
    };
    let rotation_due = add_days(key.last_rotated_at, i64::from(policy.rotate_every_days), tz);
    let audit_from = key.last_audited_at.unwrap_or(key.created_at);
    let audit_due = add_days(audit_from, i64::from(policy.audit_every_days), tz);
    let mut all = vec![
        deadline(DueKind::Rotation, rotation_due),
        deadline(DueKind::Audit, audit_due),
    ];
    if let Some(expires_at) = key.expires_at {
        all.push(deadline(DueKind::Expiry, expires_at));
    }
    all
}

/// A deadline that is upcoming or past, as `till due` and the window list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DueItem {
    pub key_id: String,
    pub name: String,
    pub provider: String,
    pub environment: String,
    pub kind: DueKind,
    pub state: DueState,
    pub due_at: DateTime<Utc>,
    /// Calendar days from now to the deadline (negative when past).
    #[ts(type = "number")]
    pub days: i64,
    /// Reminders for this key are snoozed until then.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The sentence a person reads, e.g. "OpenAI prod is due for rotation in 7 days".
    pub headline: String,
}

impl DueItem {
    /// One line a person reads: "OpenAI prod is due for rotation in 7 days".
    fn compose_headline(&self) -> String {
        let name = &self.name;
        let what = match self.kind {
            DueKind::Rotation => "rotation",
            DueKind::Audit => "an audit",
            DueKind::Expiry => "",
        };
        let days = |n: i64| match n.abs() {
            1 => "1 day".to_owned(),
            n => format!("{n} days"),
        };
        match (self.kind, self.state) {
            (DueKind::Expiry, DueState::Expired) => format!("{name} has expired"),
            (DueKind::Expiry, _) if self.days <= 0 => format!("{name} expires today"),
            (DueKind::Expiry, _) => format!("{name} expires in {}", days(self.days)),
            (_, DueState::Upcoming) if self.days <= 0 => format!("{name} is due for {what} today"),
            (_, DueState::Upcoming) => format!("{name} is due for {what} in {}", days(self.days)),
            (_, DueState::Due | DueState::Expired) => format!("{name} is due for {what} today"),
            (_, DueState::Overdue) => {
                format!("{name} is {} overdue for {what}", days(self.days))
            }
        }
    }
}

/// Everything upcoming or past for these keys at `now`, most urgent first, then soonest.
pub fn due_items<'a, Tz: TimeZone>(
    keys: impl IntoIterator<Item = &'a KeyMeta>,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Vec<DueItem> {
    let mut items: Vec<DueItem> = keys
        .into_iter()
        .flat_map(|key| {
            let policy = settings.policy_for(key);
            deadlines(key, policy, tz)
                .into_iter()
                .filter_map(move |deadline| {
                    let state = deadline.state_at(now, tz)?;
                    let mut item = DueItem {
                        key_id: key.id.clone(),
                        name: key.name.clone(),
                        provider: key.provider.clone(),
                        environment: key.environment.clone(),
                        kind: deadline.kind,
                        state,
                        due_at: deadline.due_at,
                        days: days_between(now, deadline.due_at, tz),
                        snoozed_until: key.snoozed_until.filter(|until| *until > now),
                        headline: String::new(),
                    };
                    item.headline = item.compose_headline();
                    Some(item)
                })
        })
        .collect();
    items.sort_by(|a, b| {
        b.state
            .cmp(&a.state)
            .then(a.due_at.cmp(&b.due_at))
            .then_with(|| a.name.cmp(&b.name))
    });
    items
}

/// The earliest deadline of a key (for the plaintext index the locked tray counts).
pub fn earliest_deadline<Tz: TimeZone>(
    key: &KeyMeta,
    settings: &ReminderSettings,
    tz: &Tz,
) -> Option<DateTime<Utc>> {
    deadlines(key, settings.policy_for(key), tz)
        .iter()
        .map(|d| d.due_at)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;
    use chrono_tz::Europe::Berlin;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn rotation_state(key: &KeyMeta, now: &str) -> Option<(DueState, i64)> {
        due_items([key], &ReminderSettings::default(), utc(now), &Berlin)
            .into_iter()
            .find(|item| item.kind == DueKind::Rotation)
            .map(|item| (item.state, item.days))
    }

    /// A prod OpenAI key (90-day rotation, 14-day lead) rotated at 09:00 Berlin time.
    fn prod_key() -> KeyMeta {
        let mut key = key("OpenAI prod", "openai", "prod");
        key.last_rotated_at = utc("2026-01-05T08:00:00Z");
        key.created_at = key.last_rotated_at;
        key.last_audited_at = Some(utc("2026-03-01T08:00:00Z"));
        key
    }

    #[test]
    fn a_rotation_moves_through_upcoming_due_and_overdue() {
        // Due 2026-04-05 09:00 CEST = 07:00Z (DST began 29 March): still 09:00 local.
        // The lead time starts 14 days earlier, 09:00 CET = 08:00Z.
        let key = prod_key();
        assert_eq!(rotation_state(&key, "2026-03-22T07:59:00Z"), None);
        assert_eq!(
            rotation_state(&key, "2026-03-22T08:00:00Z"),
            Some((DueState::Upcoming, 14))
        );
        assert_eq!(
            rotation_state(&key, "2026-04-05T06:59:00Z"),
            Some((DueState::Upcoming, 0))
        );
        assert_eq!(
            rotation_state(&key, "2026-04-05T07:00:00Z"),
            Some((DueState::Due, 0))
        );
        assert_eq!(
            rotation_state(&key, "2026-04-06T07:00:00Z"),
            Some((DueState::Overdue, -1))
        );
        assert_eq!(
            rotation_state(&key, "2026-04-12T12:00:00Z"),
            Some((DueState::Overdue, -7))
        );
    }

    #[test]
    fn a_clock_set_backwards_shows_the_earlier_stage() {
        let key = prod_key();
        assert_eq!(
            rotation_state(&key, "2026-04-20T07:00:00Z").map(|s| s.0),
            Some(DueState::Overdue)
        );
        assert_eq!(
            rotation_state(&key, "2026-03-30T07:00:00Z").map(|s| s.0),
            Some(DueState::Upcoming)
        );
        assert_eq!(rotation_state(&key, "2025-12-31T07:00:00Z"), None);
    }

    #[test]
    fn expiry_goes_from_upcoming_to_expired_and_revoked_keys_are_quiet() {
        let mut key = prod_key();
        key.expires_at = Some(utc("2026-02-01T00:00:00Z"));
        let items = |key: &KeyMeta, now: &str| {
            due_items([key], &ReminderSettings::default(), utc(now), &Berlin)
                .into_iter()
                .filter(|i| i.kind == DueKind::Expiry)
                .map(|i| (i.state, i.headline))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            items(&key, "2026-01-25T00:00:00Z"),
            vec![(DueState::Upcoming, "OpenAI prod expires in 7 days".into())]
        );
        assert_eq!(
            items(&key, "2026-02-01T00:00:00Z"),
            vec![(DueState::Expired, "OpenAI prod has expired".into())]
        );
        key.status = KeyStatus::Revoked;
        assert!(items(&key, "2026-03-01T00:00:00Z").is_empty());
    }

    #[test]
    fn headlines_say_what_and_when() {
        let key = prod_key();
        let headline = |now: &str| {
            due_items([&key], &ReminderSettings::default(), utc(now), &Berlin)
                .into_iter()
                .find(|i| i.kind == DueKind::Rotation)
                .map(|i| i.headline)
                .unwrap()
        };
        assert_eq!(
            headline("2026-03-29T07:00:00Z"),
            "OpenAI prod is due for rotation in 7 days"
        );
        assert_eq!(
            headline("2026-04-05T08:00:00Z"),
            "OpenAI prod is due for rotation today"
        );
        assert_eq!(
            headline("2026-04-08T08:00:00Z"),
            "OpenAI prod is 3 days overdue for rotation"
        );
    }

    #[test]
    fn the_next_change_is_the_next_stage_or_the_next_overdue_day() {
        let key = prod_key();
        let policy = ReminderSettings::default().policy_for(&key);
        let rotation = deadlines(&key, policy, &Berlin)[0];
        let next = |now: &str| rotation.next_change_after(utc(now), &Berlin);
        assert_eq!(
            next("2026-03-01T00:00:00Z"),
            Some(utc("2026-03-22T08:00:00Z"))
        );
        assert_eq!(
            next("2026-03-23T00:00:00Z"),
            Some(utc("2026-04-05T07:00:00Z"))
        );
        assert_eq!(
            next("2026-04-05T07:00:00Z"),
            Some(utc("2026-04-06T07:00:00Z"))
        );
        assert_eq!(
            next("2026-04-09T10:00:00Z"),
            Some(utc("2026-04-10T07:00:00Z"))
        );
    }

    #[test]
    fn most_urgent_items_come_first() {
        let overdue = prod_key();
        let mut soon = key("Stripe dev", "stripe", "dev");
        soon.last_rotated_at = utc("2026-04-01T08:00:00Z");
        soon.created_at = soon.last_rotated_at;
        soon.expires_at = Some(utc("2026-04-12T08:00:00Z"));
        let items = due_items(
            [&soon, &overdue],
            &ReminderSettings::default(),
            utc("2026-04-10T08:00:00Z"),
            &Berlin,
        );
        let order: Vec<_> = items.iter().map(|i| (i.name.as_str(), i.state)).collect();
        assert_eq!(
            order,
            vec![
                ("OpenAI prod", DueState::Overdue),
                ("Stripe dev", DueState::Upcoming)
            ]
        );
    }
}
