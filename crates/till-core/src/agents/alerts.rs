//! What about a running agent is worth interrupting the person for, decided from numbers.
//!
//! Agent keys spend money while nobody watches, so Till raises an alert when a grant
//! nears or reaches one of its caps (80 % and 100 % by default) and when its use looks
//! wrong: a minute's spend far above the grant's own recent rate, a burst of refused
//! calls (an agent retrying a refused request in a loop, whether the provider or the
//! gateway refused it), use after its parent key was rotated (the agent kept working on a
//! key someone meant to replace), or use of a `till run` key after the run ended (a
//! process outlived its run and kept the token). Every alert is
//! announced once: the caller keeps an [`AlertLedger`] (sealed in the vault) and feeds it
//! back. Anomalies then stay quiet for a cool-down so one burst is one alert. A cap's
//! marks name its limit, so raising the cap lets its 80 % and 100 % alerts come again.
//!
//! Pure functions of an explicit `now`, the grants' numbers and the ledger: the shell
//! polls, shows and records; nothing here knows about notifications or the clock.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::grant::{Caps, GrantState};
use super::usage::UsageTotals;

/// Thresholds (`[agents]` in `settings.toml`). Quiet hours do not hold these alerts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// The early warning, as a percentage of any cap (the second alert is at 100 %).
    pub warn_percent: u8,
    /// A minute's spend this many times the grant's recent per-minute rate is a burst.
    pub burst_factor: u32,
    /// ...provided that minute also cost at least this many cents (noise floor).
    pub burst_min_cents: u32,
    /// How far back the recent rate is measured, in minutes.
    pub baseline_minutes: u32,
    /// A baseline needs at least this many calls to count as the grant's normal rate.
    pub baseline_min_calls: u32,
    /// This many refused calls (status 400 and up) ...
    pub refused_burst: u32,
    /// ... within this many seconds is an agent retrying in a loop.
    pub refused_window_seconds: u32,
    /// After an anomaly alert, the same grant's same anomaly stays quiet this long.
    pub anomaly_cooldown_minutes: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            warn_percent: 80,
            burst_factor: 5,
            burst_min_cents: 1,
            baseline_minutes: 30,
            baseline_min_calls: 5,
            refused_burst: 10,
            refused_window_seconds: 60,
            anomaly_cooldown_minutes: 15,
        }
    }
}

impl AlertSettings {
    /// How far back [`detect`] needs each grant's requests.
    pub fn lookback(&self) -> Duration {
        let baseline = Duration::minutes(i64::from(self.baseline_minutes) + 1);
        baseline.max(Duration::seconds(i64::from(self.refused_window_seconds)))
    }
}

/// One request, as the detector needs it (the vault's ledger row, reduced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub at: DateTime<Utc>,
    pub micro_usd: u64,
    pub status: u16,
}

/// Requests the gateway refused itself within one minute, for one reason (the vault keeps
/// them as counters, not rows per call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedMinute {
    /// The last refusal counted in this minute.
    pub at: DateTime<Utc>,
    /// The gateway's refusal code (`grant_revoked`, `insufficient_quota`…).
    pub code: String,
    pub count: u64,
}

/// The gateway's refusal code for a revoked key.
pub const REVOKED_CODE: &str = "grant_revoked";

/// A grant under watch: its terms' numbers, and its requests within the lookback.
#[derive(Debug, Clone)]
pub struct Watched {
    pub id: String,
    pub label: String,
    pub caps: Caps,
    pub used: UsageTotals,
    pub state: GrantState,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the parent key was last rotated.
    pub parent_rotated_at: Option<DateTime<Utc>>,
    /// Requests since `now - settings.lookback()`, any order.
    pub recent: Vec<Call>,
    /// The gateway's own refusals since `now - settings.lookback()`, any order.
    pub refused: Vec<RefusedMinute>,
    /// When its `till run` ended (the run revokes its keys at exit); `None` for a grant
    /// not minted by `till run`, or not ended.
    pub run_ended_at: Option<DateTime<Utc>>,
}

/// Which cap an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapKind {
    Calls,
    Tokens,
    Dollars,
}

impl CapKind {
    fn id(self) -> &'static str {
        match self {
            Self::Calls => "calls",
            Self::Tokens => "tokens",
            Self::Dollars => "usd",
        }
    }

    /// "$0.42 of $0.50", "80 of 100 calls".
    fn describe(self, used: u64, limit: u64) -> String {
        match self {
            Self::Calls => format!("{used} of {limit} calls"),
            Self::Tokens => format!("{used} of {limit} tokens"),
            Self::Dollars => format!("{} of {}", usd(used), usd(limit)),
        }
    }
}

/// "$0.0123" below a dollar, "$12.34" above.
pub fn usd(micro: u64) -> String {
    let dollars = micro as f64 / 1e6;
    if micro < 1_000_000 {
        format!("${dollars:.4}")
    } else {
        format!("${dollars:.2}")
    }
}

/// What was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertKind {
    /// A cap reached `percent` (the warning stage or 100).
    Cap {
        cap: CapKind,
        percent: u8,
        used: u64,
        limit: u64,
    },
    /// The last minute's spend against the recent per-minute rate.
    SpendBurst {
        last_minute_micro_usd: u64,
        calls: u64,
        baseline_micro_usd_per_minute: u64,
        baseline_minutes: u32,
    },
    /// Refused calls within a window.
    RefusedBurst { refused: u64, seconds: u32 },
    /// Used after its parent key was rotated.
    AfterRotation {
        rotated_at: DateTime<Utc>,
        used_at: DateTime<Utc>,
    },
    /// A `till run` key used (and refused) after the run ended.
    AfterRun { uses: u64, ended_at: DateTime<Utc> },
}

/// An alert to raise: about which grant, what was seen, and its ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub grant_id: String,
    pub label: String,
    pub kind: AlertKind,
    /// What to record once it is shown.
    pub mark: AlertMark,
}

impl Alert {
    /// Whether "Raise cap…" fits (cap alerts); every alert offers Revoke and Open.
    pub fn offers_raise(&self) -> bool {
        matches!(self.kind, AlertKind::Cap { .. })
    }

    /// Whether "Revoke" fits: not for a key already revoked (a `till run` key used after
    /// its run); that alert offers Open, where the key's refusals and parent key are.
    pub fn offers_revoke(&self) -> bool {
        !matches!(self.kind, AlertKind::AfterRun { .. })
    }

    /// Whether the grant has stopped (100 % of a cap): the notification is critical.
    pub fn is_exhausted(&self) -> bool {
        matches!(self.kind, AlertKind::Cap { percent: 100, .. })
    }

    /// The notification's title; names the grant only when `named` (unlocked).
    pub fn summary(&self, named: bool) -> String {
        let who = if named {
            format!("Agent key '{}'", self.label)
        } else {
            "An agent key".to_owned()
        };
        match &self.kind {
            AlertKind::Cap {
                cap, percent: 100, ..
            } => format!("{who} used all of its {} cap", cap.id()),
            AlertKind::Cap { cap, percent, .. } => {
                format!("{who} used {percent}% of its {} cap", cap.id())
            }
            AlertKind::SpendBurst { .. } => format!("{who} is spending unusually fast"),
            AlertKind::RefusedBurst { .. } => format!("{who} keeps getting refused"),
            AlertKind::AfterRotation { .. } => format!("{who} is used after a key rotation"),
            AlertKind::AfterRun { .. } => format!("{who} was used after its till run ended"),
        }
    }

    /// The notification's text: what was seen, in numbers.
    pub fn body(&self) -> String {
        match &self.kind {
            AlertKind::Cap {
                cap,
                percent: 100,
                used,
                limit,
            } => format!(
                "{} used: further requests are refused. Raise the cap to let it go on.",
                cap.describe(*used, *limit)
            ),
            AlertKind::Cap {
                cap, used, limit, ..
            } => format!("{} used.", cap.describe(*used, *limit)),
            AlertKind::SpendBurst {
                last_minute_micro_usd,
                calls,
                baseline_micro_usd_per_minute,
                baseline_minutes,
            } => format!(
                "{} in the last minute ({calls} calls), against {} a minute over the {baseline_minutes} minutes before.",
                usd(*last_minute_micro_usd),
                usd(*baseline_micro_usd_per_minute)
            ),
            AlertKind::RefusedBurst { refused, seconds } => format!(
                "{refused} refused calls in the last {seconds} s: the agent may be retrying in a loop."
            ),
            AlertKind::AfterRotation {
                rotated_at,
                used_at,
            } => format!(
                "Its key was rotated {}; the agent key was still used {}. Revoke it if the rotation was meant to cut access.",
                rotated_at.format("%Y-%m-%d %H:%M UTC"),
                used_at.format("%Y-%m-%d %H:%M UTC")
            ),
            AlertKind::AfterRun { uses, ended_at } => format!(
                "Used {uses} time{} after its till run ended at {}. Each call was refused (the run revoked the key), but a process outlived its run and kept the key: find what still calls.",
                if *uses == 1 { "" } else { "s" },
                ended_at.format("%H:%M UTC")
            ),
        }
    }
}

/// One announced alert: a grant, what (`cap:usd:80@500000`, `burst`, `refused`,
/// `rotated:<time>`), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertMark {
    pub grant_id: String,
    pub what: String,
    pub at: DateTime<Utc>,
}

/// What has been announced (sealed in the vault by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertLedger {
    marks: Vec<AlertMark>,
}

impl AlertLedger {
    pub fn from_marks(marks: Vec<AlertMark>) -> Self {
        Self { marks }
    }

    pub fn marks(&self) -> &[AlertMark] {
        &self.marks
    }

    /// Adds what was shown (replacing an older mark for the same grant and what).
    pub fn record(&mut self, marks: impl IntoIterator<Item = AlertMark>) {
        for mark in marks {
            self.marks
                .retain(|m| !(m.grant_id == mark.grant_id && m.what == mark.what));
            self.marks.push(mark);
        }
    }

    /// Keeps only marks of grants still listed (a deleted grant's marks go).
    pub fn retain_grants(&mut self, ids: &[&str]) {
        self.marks.retain(|m| ids.contains(&m.grant_id.as_str()));
    }

    /// A grant's caps changed: its cap alerts start over, except for the stages the new
    /// caps are already past (the person raising them knows; the next one is news).
    pub fn caps_changed(
        &mut self,
        grant_id: &str,
        caps: &Caps,
        used: &UsageTotals,
        settings: &AlertSettings,
        now: DateTime<Utc>,
    ) {
        self.marks
            .retain(|m| !(m.grant_id == grant_id && m.what.starts_with("cap:")));
        let warn = settings.warn_percent.clamp(1, 99);
        for (cap, used, limit) in cap_usage(caps, used) {
            let past: &[u8] = if used >= limit {
                &[warn, 100]
            } else if u128::from(used) * 100 >= u128::from(limit) * u128::from(warn) {
                &[warn]
            } else {
                &[]
            };
            for stage in past {
                self.marks.push(AlertMark {
                    grant_id: grant_id.to_owned(),
                    what: cap_mark(cap, *stage, limit),
                    at: now,
                });
            }
        }
    }

    fn last(&self, grant_id: &str, what: &str) -> Option<DateTime<Utc>> {
        self.marks
            .iter()
            .filter(|m| m.grant_id == grant_id && m.what == what)
            .map(|m| m.at)
            .max()
    }
}

/// The alerts due now, given what was already announced. Caps first, then anomalies.
pub fn detect(
    grants: &[Watched],
    ledger: &AlertLedger,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for grant in grants {
        // A revoked or expired grant cannot spend any more: only its use after a run.
        if matches!(grant.state, GrantState::Revoked | GrantState::Expired) {
            alerts.extend(after_run_alert(grant, ledger, now));
            continue;
        }
        alerts.extend(cap_alerts(grant, ledger, settings, now));
        alerts.extend(burst_alert(grant, ledger, settings, now));
        alerts.extend(refused_alert(grant, ledger, settings, now));
        alerts.extend(rotation_alert(grant, ledger, now));
    }
    alerts
}

/// `(cap, used, limit)` for each cap the grant has.
fn cap_usage(caps: &Caps, used: &UsageTotals) -> Vec<(CapKind, u64, u64)> {
    let tokens = used.input_tokens.saturating_add(used.output_tokens);
    [
        (CapKind::Calls, caps.calls, used.calls),
        (CapKind::Tokens, caps.tokens, tokens),
        (CapKind::Dollars, caps.micro_usd, used.micro_usd),
    ]
    .into_iter()
    .filter_map(|(kind, cap, used)| cap.filter(|c| *c > 0).map(|c| (kind, used, c)))
    .collect()
}

fn cap_alerts(
    grant: &Watched,
    ledger: &AlertLedger,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let usage = cap_usage(&grant.caps, &grant.used);
    // An exhausted grant was stopped by the cap closest to its limit (the gateway reserves
    // ahead, so the last request is refused before the sum reaches the cap exactly).
    let stopped_by = (grant.state == GrantState::Exhausted)
        .then(|| {
            usage
                .iter()
                .max_by(|a, b| (a.1 as u128 * b.2 as u128).cmp(&(b.1 as u128 * a.2 as u128)))
                .map(|u| u.0)
        })
        .flatten();
    let warn = settings.warn_percent.clamp(1, 99);
    let mut alerts = Vec::new();
    for (cap, used, limit) in usage {
        let reached = if used >= limit || stopped_by == Some(cap) {
            100
        } else if u128::from(used) * 100 >= u128::from(limit) * u128::from(warn) {
            warn
        } else {
            continue;
        };
        if ledger
            .last(&grant.id, &cap_mark(cap, reached, limit))
            .is_some()
        {
            continue;
        }
        // Crossing 100 % at once announces 100 only: `marks_for` records the warning too.
        alerts.push(Alert {
            grant_id: grant.id.clone(),
            label: grant.label.clone(),
            kind: AlertKind::Cap {
                cap,
                percent: reached,
                used,
                limit,
            },
            mark: AlertMark {
                grant_id: grant.id.clone(),
                what: cap_mark(cap, reached, limit),
                at: now,
            },
        });
    }
    alerts
}

/// A cap alert's ledger entry, `cap:usd:80@500000`. The limit is part of it: raising a
/// cap starts its stages afresh, and an alert computed just before a raise cannot
/// silence the new cap's own.
fn cap_mark(cap: CapKind, stage: u8, limit: u64) -> String {
    format!("cap:{}:{stage}@{limit}", cap.id())
}

/// The ledger entries showing `alerts` adds: a 100 % alert also settles its warning.
pub fn marks_for(alerts: &[Alert], settings: &AlertSettings) -> Vec<AlertMark> {
    let warn = settings.warn_percent.clamp(1, 99);
    let mut marks = Vec::new();
    for alert in alerts {
        marks.push(alert.mark.clone());
        if let AlertKind::Cap {
            cap,
            percent: 100,
            limit,
            ..
        } = alert.kind
        {
            marks.push(AlertMark {
                what: cap_mark(cap, warn, limit),
                ..alert.mark.clone()
            });
        }
    }
    marks
}

fn cooling(
    grant: &Watched,
    ledger: &AlertLedger,
    what: &str,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> bool {
    let cooldown = Duration::minutes(i64::from(settings.anomaly_cooldown_minutes));
    ledger
        .last(&grant.id, what)
        .is_some_and(|at| now - at < cooldown && at <= now)
}

fn burst_alert(
    grant: &Watched,
    ledger: &AlertLedger,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Option<Alert> {
    const WHAT: &str = "burst";
    if cooling(grant, ledger, WHAT, settings, now) {
        return None;
    }
    let minute_start = now - Duration::minutes(1);
    let baseline_minutes = settings.baseline_minutes.max(1);
    let baseline_start = minute_start - Duration::minutes(i64::from(baseline_minutes));
    let (mut spent, mut calls, mut base_spent, mut base_calls) = (0u64, 0u64, 0u64, 0u64);
    for call in &grant.recent {
        if call.at > minute_start && call.at <= now {
            spent = spent.saturating_add(call.micro_usd);
            calls += 1;
        } else if call.at > baseline_start && call.at <= minute_start {
            base_spent = base_spent.saturating_add(call.micro_usd);
            base_calls += 1;
        }
    }
    if base_calls < u64::from(settings.baseline_min_calls) {
        return None; // No steady rate to compare with yet: caps guard a new grant.
    }
    let rate = base_spent / u64::from(baseline_minutes);
    let floor = u64::from(settings.burst_min_cents) * 10_000;
    let factor = u64::from(settings.burst_factor.max(1));
    if spent < floor || spent < rate.saturating_mul(factor) || spent == 0 {
        return None;
    }
    Some(Alert {
        grant_id: grant.id.clone(),
        label: grant.label.clone(),
        kind: AlertKind::SpendBurst {
            last_minute_micro_usd: spent,
            calls,
            baseline_micro_usd_per_minute: rate,
            baseline_minutes,
        },
        mark: AlertMark {
            grant_id: grant.id.clone(),
            what: WHAT.into(),
            at: now,
        },
    })
}

fn refused_alert(
    grant: &Watched,
    ledger: &AlertLedger,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Option<Alert> {
    const WHAT: &str = "refused";
    if settings.refused_burst == 0 || cooling(grant, ledger, WHAT, settings, now) {
        return None;
    }
    let since = now - Duration::seconds(i64::from(settings.refused_window_seconds));
    let within = |at: DateTime<Utc>| at > since && at <= now;
    // The provider's refusals are calls with an error status; the gateway's own are
    // counted per minute, and a minute counts when its last refusal is in the window.
    let upstream = grant
        .recent
        .iter()
        .filter(|c| within(c.at) && c.status >= 400)
        .count() as u64;
    let gateway: u64 = grant
        .refused
        .iter()
        .filter(|r| within(r.at))
        .map(|r| r.count)
        .sum();
    let refused = upstream.saturating_add(gateway);
    (refused >= u64::from(settings.refused_burst)).then(|| Alert {
        grant_id: grant.id.clone(),
        label: grant.label.clone(),
        kind: AlertKind::RefusedBurst {
            refused,
            seconds: settings.refused_window_seconds,
        },
        mark: AlertMark {
            grant_id: grant.id.clone(),
            what: WHAT.into(),
            at: now,
        },
    })
}

/// A `till run` key refused as revoked after its run ended: said once per key. Every such
/// call is a refusal (the run revoked the key at exit), so the count is of those. A
/// refusal as revoked comes after the revocation by definition: one at the very instant
/// (a coarse or pinned clock) counts too.
fn after_run_alert(grant: &Watched, ledger: &AlertLedger, now: DateTime<Utc>) -> Option<Alert> {
    const WHAT: &str = "after_run";
    let ended_at = grant.run_ended_at?;
    let uses: u64 = grant
        .refused
        .iter()
        .filter(|r| r.code == REVOKED_CODE && r.at >= ended_at && r.at <= now)
        .map(|r| r.count)
        .sum();
    if uses == 0 || ledger.last(&grant.id, WHAT).is_some() {
        return None;
    }
    Some(Alert {
        grant_id: grant.id.clone(),
        label: grant.label.clone(),
        kind: AlertKind::AfterRun { uses, ended_at },
        mark: AlertMark {
            grant_id: grant.id.clone(),
            what: WHAT.into(),
            at: now,
        },
    })
}

fn rotation_alert(grant: &Watched, ledger: &AlertLedger, now: DateTime<Utc>) -> Option<Alert> {
    let rotated_at = grant.parent_rotated_at?;
    let used_at = grant.last_used_at?;
    if rotated_at <= grant.created_at || used_at <= rotated_at {
        return None;
    }
    let what = format!("rotated:{}", rotated_at.timestamp());
    if ledger.last(&grant.id, &what).is_some() {
        return None;
    }
    Some(Alert {
        grant_id: grant.id.clone(),
        label: grant.label.clone(),
        kind: AlertKind::AfterRotation {
            rotated_at,
            used_at,
        },
        mark: AlertMark {
            grant_id: grant.id.clone(),
            what,
            at: now,
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn grant(caps: Caps, used: UsageTotals) -> Watched {
        Watched {
            id: "g_1".into(),
            label: "nightly summariser".into(),
            caps,
            used,
            state: GrantState::Active,
            created_at: t0() - Duration::hours(2),
            last_used_at: None,
            parent_rotated_at: None,
            recent: Vec::new(),
            refused: Vec::new(),
            run_ended_at: None,
        }
    }

    fn dollars(cap: u64, used: u64) -> Watched {
        grant(
            Caps {
                micro_usd: Some(cap),
                ..Caps::default()
            },
            UsageTotals {
                micro_usd: used,
                ..UsageTotals::default()
            },
        )
    }

    /// Runs `detect` like the shell does: show, record, look again.
    fn shown(ledger: &mut AlertLedger, grants: &[Watched], now: DateTime<Utc>) -> Vec<Alert> {
        let settings = AlertSettings::default();
        let alerts = detect(grants, ledger, &settings, now);
        ledger.record(marks_for(&alerts, &settings));
        alerts
    }

    fn percents(alerts: &[Alert]) -> Vec<u8> {
        alerts
            .iter()
            .filter_map(|a| match a.kind {
                AlertKind::Cap { percent, .. } => Some(percent),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn cap_thresholds_table() {
        // (cap, used, state, expected stage)
        let cases: &[(u64, u64, GrantState, Option<u8>)] = &[
            (1_000_000, 0, GrantState::Active, None),
            (1_000_000, 799_999, GrantState::Active, None),
            (1_000_000, 800_000, GrantState::Active, Some(80)),
            (1_000_000, 999_999, GrantState::Active, Some(80)),
            (1_000_000, 1_000_000, GrantState::Active, Some(100)),
            (1_000_000, 1_200_000, GrantState::Active, Some(100)),
            // The gateway refused the next call (reservation): exhausted below 100 %.
            (1_000_000, 930_000, GrantState::Exhausted, Some(100)),
            // Revoked grants spend no more: no alert.
            (1_000_000, 900_000, GrantState::Revoked, None),
            (1_000_000, 900_000, GrantState::Expired, None),
        ];
        for (cap, used, state, expected) in cases {
            let mut g = dollars(*cap, *used);
            g.state = *state;
            let alerts = detect(
                &[g],
                &AlertLedger::default(),
                &AlertSettings::default(),
                t0(),
            );
            assert_eq!(
                percents(&alerts).first().copied(),
                *expected,
                "cap {cap}, used {used}, {state:?}"
            );
        }
    }

    #[test]
    fn each_stage_is_announced_once() {
        let mut ledger = AlertLedger::default();
        let mut now = t0();
        let mut seen = Vec::new();
        for used in [
            100_000, 500_000, 810_000, 850_000, 900_000, 1_000_000, 1_000_000,
        ] {
            now += Duration::seconds(1);
            seen.extend(percents(&shown(
                &mut ledger,
                &[dollars(1_000_000, used)],
                now,
            )));
        }
        assert_eq!(seen, vec![80, 100]);
    }

    #[test]
    fn jumping_past_both_stages_announces_only_the_full_cap() {
        let mut ledger = AlertLedger::default();
        let first = shown(&mut ledger, &[dollars(1_000, 1_000)], t0());
        assert_eq!(percents(&first), vec![100]);
        let again = shown(
            &mut ledger,
            &[dollars(1_000, 1_000)],
            t0() + Duration::hours(1),
        );
        assert!(again.is_empty(), "the warning counts as said: {again:?}");
    }

    #[test]
    fn each_cap_is_its_own_alert_and_says_its_numbers() {
        let g = grant(
            Caps {
                calls: Some(10),
                micro_usd: Some(500_000),
                ..Caps::default()
            },
            UsageTotals {
                calls: 8,
                micro_usd: 420_000,
                ..UsageTotals::default()
            },
        );
        let alerts = detect(
            &[g],
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0(),
        );
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[0].body(), "8 of 10 calls used.");
        assert_eq!(alerts[1].body(), "$0.4200 of $0.5000 used.");
        assert_eq!(
            alerts[1].summary(true),
            "Agent key 'nightly summariser' used 80% of its usd cap"
        );
        assert_eq!(
            alerts[1].summary(false),
            "An agent key used 80% of its usd cap"
        );
        assert!(alerts[0].offers_raise());
    }

    #[test]
    fn the_warning_stage_follows_the_setting() {
        let settings = AlertSettings {
            warn_percent: 50,
            ..AlertSettings::default()
        };
        let alerts = detect(
            &[dollars(100, 55)],
            &AlertLedger::default(),
            &settings,
            t0(),
        );
        assert_eq!(percents(&alerts), vec![50]);
    }

    /// A steady call a minute for an hour, then `burst` calls within ten seconds.
    fn steady_then_burst(burst: usize) -> Watched {
        let mut g = dollars(100_000_000, 0);
        let start = t0() - Duration::minutes(60);
        for minute in 0..60 {
            g.recent.push(Call {
                at: start + Duration::minutes(minute) + Duration::seconds(7),
                micro_usd: 2_000,
                status: 200,
            });
        }
        for i in 0..burst {
            g.recent.push(Call {
                at: t0() + Duration::milliseconds(200 * i as i64),
                micro_usd: 2_000,
                status: 200,
            });
        }
        g
    }

    #[test]
    fn a_burst_against_a_steady_baseline_raises_exactly_one_alert() {
        let g = steady_then_burst(50);
        let mut ledger = AlertLedger::default();
        let mut bursts = Vec::new();
        // Look every 5 s for the 10 minutes before and after, as the shell's poll does.
        let mut now = t0() - Duration::minutes(10);
        while now <= t0() + Duration::minutes(10) {
            let visible: Vec<Call> = g.recent.iter().filter(|c| c.at <= now).copied().collect();
            let watched = Watched {
                recent: visible,
                ..g.clone()
            };
            for alert in shown(&mut ledger, &[watched], now) {
                if let AlertKind::SpendBurst { .. } = alert.kind {
                    bursts.push((now, alert));
                }
            }
            now += Duration::seconds(5);
        }
        assert_eq!(bursts.len(), 1, "{bursts:?}");
        let (at, alert) = &bursts[0];
        assert!(
            *at >= t0() && *at < t0() + Duration::seconds(30),
            "raised at {at}"
        );
        assert!(
            alert.body().contains("in the last minute") && alert.body().contains("a minute over"),
            "{}",
            alert.body()
        );
    }

    #[test]
    fn steady_use_and_a_grant_with_no_history_raise_no_burst() {
        let settings = AlertSettings::default();
        let steady = steady_then_burst(1);
        assert!(detect(&[steady], &AlertLedger::default(), &settings, t0()).is_empty());
        // A brand-new grant spending fast: no baseline yet, the caps guard it.
        let mut fresh = dollars(100_000_000, 0);
        fresh.recent = (0..40)
            .map(|i| Call {
                at: t0() - Duration::seconds(i),
                micro_usd: 5_000,
                status: 200,
            })
            .collect();
        assert!(detect(&[fresh], &AlertLedger::default(), &settings, t0()).is_empty());
    }

    #[test]
    fn a_burst_of_refused_calls_is_one_alert_until_the_cooldown_ends() {
        let mut g = dollars(100_000_000, 0);
        g.recent = (0..12)
            .map(|i| Call {
                at: t0() - Duration::seconds(i * 3),
                micro_usd: 0,
                status: 429,
            })
            .collect();
        let mut ledger = AlertLedger::default();
        let first = shown(&mut ledger, std::slice::from_ref(&g), t0());
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].body(),
            "12 refused calls in the last 60 s: the agent may be retrying in a loop."
        );
        assert!(shown(
            &mut ledger,
            std::slice::from_ref(&g),
            t0() + Duration::seconds(10)
        )
        .is_empty());
        // Nine refusals are under the threshold.
        g.recent.truncate(9);
        assert!(detect(
            &[g],
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0()
        )
        .is_empty());
    }

    fn refused_minute(at: DateTime<Utc>, code: &str, count: u64) -> RefusedMinute {
        RefusedMinute {
            at,
            code: code.into(),
            count,
        }
    }

    #[test]
    fn the_gateways_own_refusals_count_towards_a_refused_burst() {
        let mut g = dollars(100_000_000, 0);
        // Four refused by the provider, eight by the gateway's rate limit: twelve.
        g.recent = (0..4)
            .map(|i| Call {
                at: t0() - Duration::seconds(i * 5),
                micro_usd: 0,
                status: 400,
            })
            .collect();
        g.refused = vec![
            refused_minute(t0() - Duration::seconds(70), "rate_limit_exceeded", 50),
            refused_minute(t0() - Duration::seconds(2), "rate_limit_exceeded", 8),
        ];
        let alerts = detect(
            std::slice::from_ref(&g),
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0(),
        );
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(
            alerts[0].kind,
            AlertKind::RefusedBurst {
                refused: 12,
                seconds: 60
            },
            "the minute before the window is not counted"
        );
        g.refused.pop();
        assert!(detect(
            &[g],
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0()
        )
        .is_empty());
    }

    /// A `till run` key revoked when its run ended at `t0() - 10 min`.
    fn ended_run() -> Watched {
        let mut g = dollars(1_000_000, 20_000);
        g.label = "till run: python".into();
        g.state = GrantState::Revoked;
        g.run_ended_at = Some(t0() - Duration::minutes(10));
        g
    }

    #[test]
    fn a_run_key_used_after_its_run_ended_is_one_alert_with_the_count_and_no_revoke() {
        let mut g = ended_run();
        let mut ledger = AlertLedger::default();
        assert!(shown(&mut ledger, std::slice::from_ref(&g), t0()).is_empty());
        g.refused = vec![
            // At the very instant the run ended (a pinned clock): after it all the same.
            refused_minute(t0() - Duration::minutes(10), REVOKED_CODE, 1),
            refused_minute(t0() - Duration::minutes(2), REVOKED_CODE, 3),
            refused_minute(t0() - Duration::minutes(1), REVOKED_CODE, 4),
            // Not about the run's end: another refusal code.
            refused_minute(t0() - Duration::minutes(1), "model_not_allowed", 9),
        ];
        let alerts = shown(&mut ledger, std::slice::from_ref(&g), t0());
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(
            alerts[0].summary(true),
            "Agent key 'till run: python' was used after its till run ended"
        );
        assert!(
            alerts[0]
                .body()
                .starts_with("Used 8 times after its till run ended at 11:50 UTC."),
            "{}",
            alerts[0].body()
        );
        assert!(!alerts[0].offers_revoke() && !alerts[0].offers_raise());
        // More calls later: still the one alert.
        g.refused.push(refused_minute(
            t0() + Duration::minutes(20),
            REVOKED_CODE,
            40,
        ));
        assert!(shown(&mut ledger, &[g], t0() + Duration::minutes(20)).is_empty());
    }

    #[test]
    fn keys_not_from_a_run_or_refused_before_it_ended_raise_no_after_run_alert() {
        let mut manual = ended_run();
        manual.run_ended_at = None; // revoked by hand, not a run's key
        manual.refused = vec![refused_minute(t0(), REVOKED_CODE, 5)];
        let mut early = ended_run();
        early.refused = vec![refused_minute(
            t0() - Duration::minutes(11),
            REVOKED_CODE,
            5,
        )];
        assert!(detect(
            &[manual, early],
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0()
        )
        .is_empty());
    }

    #[test]
    fn use_after_the_parent_key_was_rotated_is_announced_once_per_rotation() {
        let mut g = dollars(100_000_000, 0);
        g.parent_rotated_at = Some(t0() - Duration::minutes(30));
        g.last_used_at = Some(t0() - Duration::minutes(40));
        let mut ledger = AlertLedger::default();
        assert!(
            shown(&mut ledger, std::slice::from_ref(&g), t0()).is_empty(),
            "used before"
        );
        g.last_used_at = Some(t0() - Duration::minutes(1));
        let alerts = shown(&mut ledger, std::slice::from_ref(&g), t0());
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0]
            .body()
            .starts_with("Its key was rotated 2026-03-01 11:30 UTC"));
        assert!(shown(
            &mut ledger,
            std::slice::from_ref(&g),
            t0() + Duration::minutes(5)
        )
        .is_empty());
        // Minted after the rotation: nothing to say.
        g.created_at = t0() - Duration::minutes(10);
        assert!(detect(
            &[g],
            &AlertLedger::default(),
            &AlertSettings::default(),
            t0()
        )
        .is_empty());
    }

    #[test]
    fn a_raised_cap_warns_again_at_its_own_stages_but_not_for_what_is_past() {
        let mut ledger = AlertLedger::default();
        let settings = AlertSettings::default();
        // $1 of $1: the full-cap alert, once.
        assert_eq!(
            percents(&shown(&mut ledger, &[dollars(1_000_000, 1_000_000)], t0())),
            vec![100]
        );
        // Raised to $1.20: 83 % is already past the warning, so nothing is said now...
        let raised = dollars(1_200_000, 1_000_000);
        ledger.caps_changed("g_1", &raised.caps, &raised.used, &settings, t0());
        assert!(shown(&mut ledger, &[raised], t0()).is_empty());
        // ...until the new cap is reached.
        let full = shown(&mut ledger, &[dollars(1_200_000, 1_200_000)], t0());
        assert_eq!(percents(&full), vec![100]);
        assert_eq!(
            full[0].body().split(':').next(),
            Some("$1.20 of $1.20 used")
        );
        // Raised to $3: both stages come again, each once.
        ledger.caps_changed(
            "g_1",
            &dollars(3_000_000, 0).caps,
            &dollars(0, 1_200_000).used,
            &settings,
            t0(),
        );
        let mut seen = Vec::new();
        for used in [1_200_000, 2_500_000, 2_600_000, 3_000_000, 3_000_000] {
            seen.extend(percents(&shown(
                &mut ledger,
                &[dollars(3_000_000, used)],
                t0(),
            )));
        }
        assert_eq!(seen, vec![80, 100]);
    }

    #[test]
    fn an_alert_computed_for_the_old_cap_does_not_silence_the_new_one() {
        let settings = AlertSettings::default();
        let mut ledger = AlertLedger::default();
        let stale = detect(&[dollars(1_000, 1_000)], &ledger, &settings, t0());
        ledger.caps_changed(
            "g_1",
            &dollars(2_000, 0).caps,
            &dollars(0, 1_000).used,
            &settings,
            t0(),
        );
        // The watcher records what it showed just after the raise.
        ledger.record(marks_for(&stale, &settings));
        assert_eq!(
            percents(&detect(&[dollars(2_000, 2_000)], &ledger, &settings, t0())),
            vec![100]
        );
    }

    #[test]
    fn the_ledger_forgets_deleted_grants() {
        let mut ledger = AlertLedger::default();
        shown(&mut ledger, &[dollars(10, 10)], t0());
        assert_eq!(ledger.marks().len(), 2);
        ledger.retain_grants(&["g_other"]);
        assert!(ledger.marks().is_empty());
    }
}
