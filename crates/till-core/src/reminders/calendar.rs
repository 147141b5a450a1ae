//! Calendar arithmetic in the user's time zone.
//!
//! "Rotate every 90 days" means 90 days on the user's calendar: a key rotated at 09:00 is
//! due at 09:00, before and after a daylight-saving change, and a 30-day interval from
//! 31 January lands on 2 March (1 March in a leap year). Adding 90 × 24 hours in UTC
//! would drift by an hour across DST, so these helpers work on local dates and resolve
//! the result back to an instant, choosing deterministically in the hour a DST change
//! repeats or skips.

use chrono::{DateTime, Days, LocalResult, NaiveDateTime, TimeZone, Utc};

/// `at` moved by `days` calendar days in `tz` (negative goes back), keeping the local
/// time of day. A local time skipped by a DST change moves forward past the gap; a local
/// time that happens twice takes the earlier one.
pub fn add_days<Tz: TimeZone>(at: DateTime<Utc>, days: i64, tz: &Tz) -> DateTime<Utc> {
    let local = at.with_timezone(tz).naive_local();
    let shifted = if days >= 0 {
        local.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        local.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    match shifted {
        Some(target) => resolve_local(target, tz),
        // Beyond chrono's range (year ±262,000): saturate instead of failing.
        None if days >= 0 => DateTime::<Utc>::MAX_UTC,
        None => DateTime::<Utc>::MIN_UTC,
    }
}

/// The instant a local date and time names in `tz`.
pub fn resolve_local<Tz: TimeZone>(local: NaiveDateTime, tz: &Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // In a DST gap: the first valid quarter hour after it. Gaps are whole quarter
            // hours and at most a few hours anywhere (Lord Howe's is 30 minutes).
            (1..=16)
                .map(|quarters| local + chrono::Duration::minutes(15 * quarters))
                .find_map(|later| tz.from_local_datetime(&later).earliest())
                .map_or_else(
                    || Utc.from_utc_datetime(&local),
                    |at| at.with_timezone(&Utc),
                )
        }
    }
}

/// Whole calendar days from `from` to `to` in `tz`, by local date (negative if `to` is
/// earlier): what "in 7 days" and "3 days overdue" count.
pub fn days_between<Tz: TimeZone>(from: DateTime<Utc>, to: DateTime<Utc>, tz: &Tz) -> i64 {
    let from = from.with_timezone(tz).date_naive();
    let to = to.with_timezone(tz).date_naive();
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Australia::Lord_Howe, Europe::Berlin};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn days_keep_the_local_time_across_daylight_saving() {
        // Berlin: 09:00 CET (UTC+1) in March, 90 days later 09:00 CEST (UTC+2).
        let rotated = utc("2026-03-01T08:00:00Z");
        assert_eq!(add_days(rotated, 90, &Berlin), utc("2026-05-30T07:00:00Z"));
        // New York: back over the November change, still 09:00 local.
        let rotated = utc("2026-10-01T13:00:00Z");
        assert_eq!(
            add_days(rotated, 60, &New_York),
            utc("2026-11-30T14:00:00Z")
        );
        // Going back a day over the change also keeps the local time.
        assert_eq!(
            add_days(utc("2026-03-09T13:00:00Z"), -1, &New_York),
            utc("2026-03-08T13:00:00Z")
        );
    }

    #[test]
    fn a_skipped_local_time_moves_past_the_gap_and_a_repeated_one_takes_the_first() {
        // 02:30 on 8 March 2026 does not exist in New York (clocks jump 02:00 → 03:00).
        let at = utc("2026-03-07T07:30:00Z"); // 02:30 EST on 7 March
        assert_eq!(add_days(at, 1, &New_York), utc("2026-03-08T07:00:00Z")); // 03:00 EDT
                                                                             // 01:30 on 1 November 2026 happens twice; the first (EDT) is chosen.
        let at = utc("2026-10-31T05:30:00Z"); // 01:30 EDT on 31 October
        assert_eq!(add_days(at, 1, &New_York), utc("2026-11-01T05:30:00Z"));
        // Lord Howe's DST gap is 30 minutes: 02:15 on 4 October 2026 does not exist.
        let at = utc("2026-10-02T15:45:00Z"); // 02:15 +10:30 on 3 October
        let next = add_days(at, 1, &Lord_Howe);
        assert_eq!(
            next.with_timezone(&Lord_Howe).format("%F %R").to_string(),
            "2026-10-04 02:30"
        );
    }

    #[test]
    fn leap_days_and_month_ends_follow_the_calendar() {
        let tz = Utc;
        assert_eq!(
            add_days(utc("2024-02-28T12:00:00Z"), 1, &tz),
            utc("2024-02-29T12:00:00Z")
        );
        assert_eq!(
            add_days(utc("2024-02-29T12:00:00Z"), 365, &tz),
            utc("2025-02-28T12:00:00Z")
        );
        assert_eq!(
            add_days(utc("2026-01-31T12:00:00Z"), 30, &tz),
            utc("2026-03-02T12:00:00Z")
        );
        assert_eq!(
            add_days(utc("2028-01-31T12:00:00Z"), 30, &tz),
            utc("2028-03-01T12:00:00Z")
        );
        assert_eq!(
            add_days(utc("2026-12-31T23:30:00Z"), 1, &tz),
            utc("2027-01-01T23:30:00Z")
        );
    }

    #[test]
    fn days_between_counts_local_dates() {
        // 23:30 and 00:30 the next day in Berlin are one calendar day apart, an hour in UTC.
        let late = utc("2026-06-01T21:30:00Z");
        let early = utc("2026-06-01T22:30:00Z");
        assert_eq!(days_between(late, early, &Berlin), 1);
        assert_eq!(days_between(late, early, &Utc), 0);
        assert_eq!(days_between(early, late, &Berlin), -1);
    }
}
