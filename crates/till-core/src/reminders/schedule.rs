//! Deciding which reminders to raise now, and when to look again.
//!
//! The scheduler in the desktop shell calls [`plan`] whenever it wakes: at the moment the
//! previous plan asked for, after a resume or clock change, and whenever the vault
//! changes. [`plan`] compares what is due with the [`Ledger`] of what was already
//! announced, so a reminder is raised once per stage (upcoming, due, expired) and at most
//! once a day while overdue, however often or irregularly the scheduler wakes, and even
//! if the clock is set back. A reminder that falls in quiet hours, or while the vault was
//! locked, is not lost: it is still unannounced at the next wake.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};

use super::calendar::{add_days, resolve_local};
use super::due::{deadlines, due_items, DueItem, DueKind, DueState};
use super::policy::{QuietHours, ReminderSettings};
use crate::model::KeyMeta;

/// What was last announced for one deadline (sealed in the vault as JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Announced {
    pub key_id: String,
    pub kind: DueKind,
    pub due_at: DateTime<Utc>,
    pub state: DueState,
    /// Days past the deadline when it was announced as overdue; 0 otherwise.
    pub day: i64,
    pub at: DateTime<Utc>,
}

/// What has been announced, per deadline (key, kind, due time).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: HashMap<(String, DueKind, DateTime<Utc>), Announced>,
}

impl Ledger {
    /// A ledger from stored entries.
    pub fn from_entries(entries: impl IntoIterator<Item = Announced>) -> Self {
        let mut ledger = Self::default();
        for entry in entries {
            ledger.insert(entry);
        }
        ledger
    }

    /// Records an announcement, replacing the deadline's earlier one.
    pub fn insert(&mut self, entry: Announced) {
        let slot = (entry.key_id.clone(), entry.kind, entry.due_at);
        self.entries.insert(slot, entry);
    }

    /// Every entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Announced> {
        self.entries.values()
    }

    fn get(&self, item: &DueItem) -> Option<&Announced> {
        self.entries
            .get(&(item.key_id.clone(), item.kind, item.due_at))
    }
}

/// One notification to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// One key's reminder.
    One(DueItem),
    /// Several at once, as one digest instead of a burst.
    Digest(Vec<DueItem>),
}

impl Notice {
    /// The notification's summary line.
    pub fn summary(&self) -> String {
        match self {
            Self::One(item) => item.headline.clone(),
            Self::Digest(items) => format!("{} key reminders need you", items.len()),
        }
    }

    /// The notification's body.
    pub fn body(&self) -> String {
        match self {
            Self::One(item) => {
                let provider = crate::catalog::provider(&item.provider)
                    .map_or(item.provider.as_str(), |p| p.name.as_str());
                let when = match item.kind {
                    DueKind::Expiry => "expires on",
                    DueKind::Rotation => "rotation due on",
                    DueKind::Audit => "audit due on",
                };
                format!(
                    "{provider} · {} · {when} {}",
                    item.environment,
                    item.due_at.format("%Y-%m-%d")
                )
            }
            Self::Digest(items) => {
                let mut lines: Vec<String> =
                    items.iter().take(5).map(|i| i.headline.clone()).collect();
                if items.len() > 5 {
                    lines.push(format!("and {} more", items.len() - 5));
                }
                lines.join("\n")
            }
        }
    }
}

/// What to do now and when to look again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub notices: Vec<Notice>,
    /// To add to the ledger once the notices are raised.
    pub announced: Vec<Announced>,
    /// Everything upcoming or past, for the tray and the window.
    pub items: Vec<DueItem>,
    /// The next moment anything changes; `None` if nothing ever will.
    pub next_wake: Option<DateTime<Utc>>,
    /// True if reminders are being held back by quiet hours.
    pub quiet: bool,
}

/// Decides the reminders to raise at `now` and when to wake next.
pub fn plan<Tz: TimeZone>(
    keys: &[KeyMeta],
    settings: &ReminderSettings,
    ledger: &Ledger,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Plan {
    let items = due_items(keys, settings, now, tz);
    let quiet_until = settings
        .quiet_hours
        .and_then(|quiet| quiet_until(quiet, now, tz));

    let mut wake_candidates: Vec<DateTime<Utc>> = keys
        .iter()
        .flat_map(|key| {
            let policy = settings.policy_for(key);
            deadlines(key, policy, tz)
                .into_iter()
                .filter_map(|d| d.next_change_after(now, tz))
                .chain(key.snoozed_until.filter(|until| *until > now))
        })
        .collect();
    wake_candidates.extend(quiet_until);

    let mut fresh: Vec<DueItem> = Vec::new();
    let mut announced = Vec::new();
    if quiet_until.is_none() {
        for item in &items {
            if item.snoozed_until.is_some() {
                continue;
            }
            let key = keys.iter().find(|k| k.id == item.key_id);
            let snooze_ended = key.and_then(|k| k.snoozed_until);
            let day = if item.state == DueState::Overdue {
                -item.days
            } else {
                0
            };
            let announce = match ledger.get(item) {
                None => true,
                Some(last) => {
                    item.state > last.state
                        || (item.state == DueState::Overdue && day > last.day)
                        || snooze_ended.is_some_and(|until| until <= now && last.at < until)
                }
            };
            if announce {
                announced.push(Announced {
                    key_id: item.key_id.clone(),
                    kind: item.kind,
                    due_at: item.due_at,
                    state: item.state,
                    day,
                    at: now,
                });
                fresh.push(item.clone());
            }
        }
    }
    let notices = if fresh.len() > settings.digest_over {
        vec![Notice::Digest(fresh)]
    } else {
        fresh.into_iter().map(Notice::One).collect()
    };
    Plan {
        notices,
        announced,
        items,
        next_wake: wake_candidates.into_iter().min(),
        quiet: quiet_until.is_some(),
    }
}

/// If `now` is in quiet hours, when they end.
fn quiet_until<Tz: TimeZone>(
    quiet: QuietHours,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(tz).naive_local();
    if !quiet.contains(local.time()) {
        return None;
    }
    let end_today = resolve_local(local.date().and_time(quiet.end), tz);
    Some(if end_today > now {
        end_today
    } else {
        add_days(end_today, 1, tz)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests_support::key;
    use chrono::Duration;
    use chrono_tz::Europe::Berlin;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A prod key rotated on `rotated` (90-day rotation, 14-day lead, audited recently).
    fn prod_key(name: &str, rotated: &str) -> KeyMeta {
        let mut key = key(name, "openai", "prod");
        key.id = name.to_owned();
        key.last_rotated_at = utc(rotated);
        key.created_at = key.last_rotated_at;
        key.last_audited_at = Some(key.last_rotated_at + Duration::days(60));
        key
    }

    /// Runs the scheduler at each time in turn, as the shell would, keeping the ledger.
    fn run(keys: &[KeyMeta], settings: &ReminderSettings, times: &[&str]) -> Vec<Vec<String>> {
        let mut ledger = Ledger::default();
        times
            .iter()
            .map(|now| {
                let plan = plan(keys, settings, &ledger, utc(now), &Berlin);
                for entry in plan.announced {
                    ledger.insert(entry);
                }
                plan.notices.iter().map(Notice::summary).collect()
            })
            .collect()
    }

    #[test]
    fn each_stage_is_announced_once_and_overdue_at_most_daily() {
        let keys = [prod_key("OpenAI prod", "2026-01-05T08:00:00Z")];
        let raised = run(
            &keys,
            &ReminderSettings::default(),
            &[
                "2026-03-22T08:00:00Z", // lead time starts
                "2026-03-22T20:00:00Z", // woken again the same day
                "2026-04-05T07:00:00Z", // due
                "2026-04-05T18:00:00Z",
                "2026-04-06T07:00:00Z", // overdue, day 1
                "2026-04-06T09:00:00Z", // same day: nothing
                "2026-04-08T07:30:00Z", // day 3 (resumed after two days asleep)
            ],
        );
        assert_eq!(
            raised,
            vec![
                vec!["OpenAI prod is due for rotation in 14 days".to_owned()],
                vec![],
                vec!["OpenAI prod is due for rotation today".to_owned()],
                vec![],
                vec!["OpenAI prod is 1 day overdue for rotation".to_owned()],
                vec![],
                vec!["OpenAI prod is 3 days overdue for rotation".to_owned()],
            ]
        );
    }

    #[test]
    fn a_clock_set_back_and_forward_again_repeats_nothing() {
        let keys = [prod_key("OpenAI prod", "2026-01-05T08:00:00Z")];
        let raised = run(
            &keys,
            &ReminderSettings::default(),
            &[
                "2026-04-05T07:00:00Z", // due
                "2026-03-25T07:00:00Z", // clock set back into the lead time
                "2026-04-05T08:00:00Z", // and forward again
            ],
        );
        assert_eq!(
            raised,
            vec![
                vec!["OpenAI prod is due for rotation today".to_owned()],
                vec![],
                vec![]
            ]
        );
    }

    #[test]
    fn a_jump_past_several_stages_announces_only_the_latest() {
        let keys = [prod_key("OpenAI prod", "2026-01-05T08:00:00Z")];
        let raised = run(
            &keys,
            &ReminderSettings::default(),
            &["2026-05-01T10:00:00Z"],
        );
        assert_eq!(
            raised,
            vec![vec![
                "OpenAI prod is 26 days overdue for rotation".to_owned()
            ]]
        );
    }

    #[test]
    fn more_than_three_at_once_become_one_digest() {
        let keys: Vec<KeyMeta> = (1..=4)
            .map(|n| prod_key(&format!("key {n}"), "2026-01-05T08:00:00Z"))
            .collect();
        let plan = plan(
            &keys,
            &ReminderSettings::default(),
            &Ledger::default(),
            utc("2026-04-05T07:00:00Z"),
            &Berlin,
        );
        assert_eq!(plan.notices.len(), 1);
        assert_eq!(plan.notices[0].summary(), "4 key reminders need you");
        assert!(plan.notices[0]
            .body()
            .contains("key 4 is due for rotation today"));
        assert_eq!(plan.announced.len(), 4);
        let three = super::plan(
            &keys[..3],
            &ReminderSettings::default(),
            &Ledger::default(),
            utc("2026-04-05T07:00:00Z"),
            &Berlin,
        );
        assert_eq!(three.notices.len(), 3);
    }

    #[test]
    fn quiet_hours_hold_reminders_until_they_end() {
        let keys = [prod_key("OpenAI prod", "2026-01-05T08:00:00Z")];
        let settings: ReminderSettings = toml::from_str("quiet_hours = \"22:00-08:00\"").unwrap();
        // 07:30 Berlin (CEST) on the due day is quiet; 08:00 is not.
        let quiet = plan(
            &keys,
            &settings,
            &Ledger::default(),
            utc("2026-04-05T05:30:00Z"),
            &Berlin,
        );
        assert!(quiet.quiet && quiet.notices.is_empty());
        assert_eq!(quiet.next_wake, Some(utc("2026-04-05T06:00:00Z")));
        let raised = run(
            &keys,
            &settings,
            &["2026-04-05T05:30:00Z", "2026-04-05T07:00:00Z"],
        );
        assert_eq!(
            raised,
            vec![
                vec![],
                vec!["OpenAI prod is due for rotation today".to_owned()]
            ]
        );
    }

    #[test]
    fn a_snooze_silences_a_key_for_a_day_then_reminds_again() {
        let mut key = prod_key("OpenAI prod", "2026-01-05T08:00:00Z");
        let settings = ReminderSettings::default();
        let at = |now: &str, key: &KeyMeta, ledger: &Ledger| {
            plan(
                std::slice::from_ref(key),
                &settings,
                ledger,
                utc(now),
                &Berlin,
            )
        };
        let mut ledger = Ledger::default();
        let first = at("2026-03-22T08:00:00Z", &key, &ledger);
        assert_eq!(first.notices.len(), 1);
        first.announced.into_iter().for_each(|e| ledger.insert(e));
        // "Snooze 1 day" at 08:05: quiet until then, and the next wake is its end.
        key.snoozed_until = Some(utc("2026-03-23T08:05:00Z"));
        let snoozed = at("2026-03-23T08:00:00Z", &key, &ledger);
        assert!(snoozed.notices.is_empty(), "{:?}", snoozed.notices);
        assert_eq!(snoozed.next_wake, Some(utc("2026-03-23T08:05:00Z")));
        // When it ends, the same upcoming reminder comes back once.
        let after = at("2026-03-23T08:05:00Z", &key, &ledger);
        assert_eq!(
            after
                .notices
                .iter()
                .map(Notice::summary)
                .collect::<Vec<_>>(),
            vec!["OpenAI prod is due for rotation in 13 days".to_owned()]
        );
        after.announced.into_iter().for_each(|e| ledger.insert(e));
        assert!(at("2026-03-23T12:00:00Z", &key, &ledger).notices.is_empty());
    }

    #[test]
    fn the_next_wake_is_the_earliest_change_of_any_key() {
        let keys = [
            prod_key("a", "2026-01-05T08:00:00Z"),
            prod_key("b", "2026-01-20T08:00:00Z"),
        ];
        let plan = plan(
            &keys,
            &ReminderSettings::default(),
            &Ledger::default(),
            utc("2026-03-01T00:00:00Z"),
            &Berlin,
        );
        assert!(plan.items.is_empty());
        assert_eq!(plan.next_wake, Some(utc("2026-03-22T08:00:00Z")));
    }
}
