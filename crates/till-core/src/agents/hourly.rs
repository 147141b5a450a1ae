//! One agent key's last day, hour by hour, for the charts in its detail.
//!
//! The daily charts hide what matters most while an agent runs: the last hours. The
//! vault sums the ledger per hour (calls, tokens, cost, and the gateway's own refusals);
//! here the sums become exactly 24 buckets ending with the current hour, the quiet hours
//! as zeros, so every front end draws the same axis. Pure: the caller gives `now`.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;
use ts_rs::TS;

/// How many hours the detail's charts cover.
pub const HOURS: i64 = 24;

/// One hour of one agent key (UTC, from `hour` for an hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct HourUsage {
    #[ts(type = "string")]
    pub hour: DateTime<Utc>,
    /// Requests forwarded to the provider.
    #[ts(type = "number")]
    pub calls: u64,
    /// Requests refused: by the provider (an error status) or by the gateway itself.
    #[ts(type = "number")]
    pub refused: u64,
    #[ts(type = "number")]
    pub tokens: u64,
    #[ts(type = "number")]
    pub micro_usd: u64,
}

impl HourUsage {
    fn empty(hour: DateTime<Utc>) -> Self {
        Self {
            hour,
            calls: 0,
            refused: 0,
            tokens: 0,
            micro_usd: 0,
        }
    }
}

/// The start of the hour `at` falls in.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// The first hour the chart shows at `now`.
pub fn first_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    hour_of(now) - Duration::hours(HOURS - 1)
}

/// Exactly [`HOURS`] buckets, oldest first, ending with `now`'s hour: the sums in `rows`
/// (several rows for one hour add up; rows outside the day are left out), zeros elsewhere.
pub fn last_day(now: DateTime<Utc>, rows: &[HourUsage]) -> Vec<HourUsage> {
    let first = first_hour(now);
    let mut buckets: Vec<HourUsage> = (0..HOURS)
        .map(|i| HourUsage::empty(first + Duration::hours(i)))
        .collect();
    for row in rows {
        let index = (hour_of(row.hour) - first).num_hours();
        let Some(bucket) = usize::try_from(index).ok().and_then(|i| buckets.get_mut(i)) else {
            continue;
        };
        bucket.calls += row.calls;
        bucket.refused += row.refused;
        bucket.tokens += row.tokens;
        bucket.micro_usd += row.micro_usd;
    }
    buckets
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn row(hour: &str, calls: u64, refused: u64) -> HourUsage {
        HourUsage {
            calls,
            refused,
            tokens: calls * 100,
            micro_usd: calls * 10,
            ..HourUsage::empty(at(hour))
        }
    }

    #[test]
    fn twenty_four_buckets_end_with_the_current_hour() {
        let day = last_day(at("2026-11-27T09:41:07Z"), &[]);
        assert_eq!(day.len(), 24);
        assert_eq!(day[0].hour, at("2026-11-26T10:00:00Z"));
        assert_eq!(day[23].hour, at("2026-11-27T09:00:00Z"));
        assert!(day.iter().all(|h| h.calls == 0 && h.refused == 0));
    }

    #[test]
    fn sums_land_in_their_hour_and_the_rest_is_left_out() {
        let now = at("2026-11-27T09:41:07Z");
        let rows = [
            row("2026-11-27T09:00:00Z", 3, 0),
            // Usage and refusals of one hour come as two rows: they add up.
            row("2026-11-27T09:00:00Z", 0, 7),
            row("2026-11-27T01:00:00Z", 2, 1),
            // Older than the day, and a clock set back into the future: not shown.
            row("2026-11-26T09:00:00Z", 50, 0),
            row("2026-11-27T10:00:00Z", 50, 0),
        ];
        let day = last_day(now, &rows);
        assert_eq!(
            (day[23].calls, day[23].refused, day[23].tokens),
            (3, 7, 300)
        );
        assert_eq!(
            (day[15].hour, day[15].calls),
            (at("2026-11-27T01:00:00Z"), 2)
        );
        assert_eq!(day.iter().map(|h| h.calls).sum::<u64>(), 5);
    }
}
