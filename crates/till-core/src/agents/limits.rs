//! Reading the limits people type: durations (`30m`, `2h`, `1d`) and dollar amounts
//! (`5`, `0.01`), for `till agent mint`, `till run` and the window alike.

use chrono::Duration;

use crate::error::TillError;

/// Parses `90s`, `30m`, `2h`, `1d` or `2w` (a bare number is minutes).
pub fn parse_duration(text: &str) -> Result<Duration, TillError> {
    let text = text.trim();
    let bad = || TillError::InvalidInput {
        what: format!(
            "'{text}' is not a duration: use a number with s, m, h, d or w, such as 30m, 2h or 1d"
        ),
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let duration = match unit {
        "" | "m" => Duration::try_minutes(number),
        "s" => Duration::try_seconds(number),
        "h" => Duration::try_hours(number),
        "d" => Duration::try_days(number),
        "w" => Duration::try_weeks(number),
        _ => None,
    }
    .ok_or_else(bad)?;
    if duration <= Duration::zero() || duration > Duration::days(366) {
        return Err(TillError::InvalidInput {
            what: format!("'{text}' is out of range: give a duration between 1s and 366d"),
        });
    }
    Ok(duration)
}

/// Parses a dollar amount into micro-dollars (`0.01` → 10 000), rounding to the nearest.
pub fn parse_usd(text: &str) -> Result<u64, TillError> {
    let bad = || TillError::InvalidInput {
        what: format!("'{text}' is not a dollar amount: use a number such as 5 or 0.25"),
    };
    let value: f64 = text
        .trim()
        .trim_start_matches('$')
        .parse()
        .map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 || value > 1e9 {
        return Err(bad());
    }
    Ok((value * 1e6).round() as u64)
}

/// Micro-dollars as `$0.0123`, or to the micro-dollar below a cent (`$0.000013`).
pub fn format_usd(micro_usd: u64) -> String {
    let dollars = micro_usd as f64 / 1e6;
    if micro_usd > 0 && micro_usd < 10_000 {
        format!("${dollars:.6}")
    } else {
        format!("${dollars:.4}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, minutes) in [
            ("30m", 30),
            ("2h", 120),
            ("1d", 1440),
            ("45", 45),
            ("1w", 10080),
        ] {
            assert_eq!(
                parse_duration(text).unwrap(),
                Duration::minutes(minutes),
                "{text}"
            );
        }
        assert_eq!(parse_duration("90s").unwrap(), Duration::seconds(90));
        for bad in ["", "m", "2x", "-5m", "0h", "400d", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dollars_become_micro_dollars() {
        assert_eq!(parse_usd("0.01").unwrap(), 10_000);
        assert_eq!(parse_usd("$5").unwrap(), 5_000_000);
        for bad in ["", "free", "-1", "0", "NaN", "inf"] {
            assert!(parse_usd(bad).is_err(), "{bad}");
        }
        assert_eq!(format_usd(10_000), "$0.0100");
        assert_eq!(format_usd(13), "$0.000013");
        assert_eq!(format_usd(0), "$0.0000");
    }
}
