//! The caps on the agent keys `till run` mints: defaults from `settings.toml` (`[run]`),
//! each overridable by a flag.
//!
//! There is no "unlimited": a forgotten flag falls back to the default, a default left
//! out of the file falls back to Till's, and every cap must be positive. The types parse
//! the forms people write (`max_usd = 5.0`, `ttl = "8h"`) and keep exact integers
//! (micro-dollars, seconds) so caps compare and serialize without rounding.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::TillError;

/// The longest a run's agent keys may live.
pub const MAX_TTL_SECS: u64 = 30 * 24 * 3600;

/// A dollar amount, kept in micro-dollars (a cap is never zero; a spend may be).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Usd(u64);

impl Usd {
    /// From micro-dollars.
    pub fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// In micro-dollars.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// Parses a positive amount such as `5`, `0.25` or `$2.50`.
    pub fn parse(text: &str) -> Result<Self, TillError> {
        let number: f64 = text.trim().trim_start_matches('$').parse().map_err(|_| {
            invalid(format!(
                "'{text}' is not a dollar amount: use e.g. 5 or 0.25"
            ))
        })?;
        Self::try_from(number).map_err(|what| TillError::InvalidInput { what })
    }
}

impl TryFrom<f64> for Usd {
    type Error = String;

    fn try_from(dollars: f64) -> Result<Self, String> {
        if !dollars.is_finite() || dollars <= 0.0 || dollars > 1_000_000.0 {
            return Err(format!(
                "a dollar cap must be more than 0 and at most 1000000, got {dollars}"
            ));
        }
        // Rounded to the micro-dollar; at most 1e12, well inside u64 and exact in f64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let micros = (dollars * 1_000_000.0).round() as u64;
        Ok(Self(micros.max(1)))
    }
}

impl From<Usd> for f64 {
    fn from(usd: Usd) -> f64 {
        // Micro-dollars up to 1e12 are exact in an f64.
        #[allow(clippy::cast_precision_loss)]
        let micros = usd.0 as f64;
        micros / 1_000_000.0
    }
}

impl fmt::Display for Usd {
    /// `$5.00`, `$0.25`, `$0.0042`: cents always, more digits only when they matter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 1_000_000;
        let fraction = format!("{:06}", self.0 % 1_000_000);
        let trimmed = fraction.trim_end_matches('0');
        let digits = if trimmed.len() <= 2 {
            &fraction[..2]
        } else {
            trimmed
        };
        write!(f, "${whole}.{digits}")
    }
}

/// How long an agent key lives, in whole seconds: `90s`, `30m`, `8h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ttl(u64);

impl Ttl {
    /// From seconds (1 s to 30 days).
    pub fn from_secs(secs: u64) -> Result<Self, TillError> {
        if secs == 0 || secs > MAX_TTL_SECS {
            return Err(invalid(format!(
                "a time to live must be between 1s and 30d, got {secs}s"
            )));
        }
        Ok(Self(secs))
    }

    /// In seconds.
    pub fn secs(self) -> u64 {
        self.0
    }

    /// Parses `NUMBER` + `s`, `m`, `h` or `d`.
    pub fn parse(text: &str) -> Result<Self, TillError> {
        let text = text.trim();
        let bad = || {
            invalid(format!(
                "'{text}' is not a duration: use a number and s, m, h or d (30m, 8h, 1d)"
            ))
        };
        let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
        let (number, unit) = text.split_at(unit_at);
        let scale = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        let number: u64 = number.parse().map_err(|_| bad())?;
        Self::from_secs(number.checked_mul(scale).ok_or_else(bad)?)
    }
}

impl TryFrom<String> for Ttl {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).map_err(|e| e.to_string())
    }
}

impl From<Ttl> for String {
    fn from(ttl: Ttl) -> String {
        ttl.to_string()
    }
}

impl fmt::Display for Ttl {
    /// The largest unit that divides it exactly: `8h`, `90m`, `45s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (scale, unit) in [(86_400, "d"), (3600, "h"), (60, "m")] {
            if self.0.is_multiple_of(scale) {
                return write!(f, "{}{unit}", self.0 / scale);
            }
        }
        write!(f, "{}s", self.0)
    }
}

/// `till run`'s default caps (`[run]` in `settings.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSettings {
    /// Requests per agent key.
    pub max_calls: u64,
    /// Input plus output tokens per agent key.
    pub max_tokens: u64,
    /// Dollars per agent key, at the pricing catalog's prices.
    pub max_usd: Usd,
    /// How long an agent key lives if the command does not end first.
    pub ttl: Ttl,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            max_calls: 1000,
            max_tokens: 2_000_000,
            max_usd: Usd(5_000_000),
            ttl: Ttl(8 * 3600),
        }
    }
}

/// Caps given on the command line; `None` takes the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapOverrides {
    pub max_calls: Option<u64>,
    pub max_tokens: Option<u64>,
    pub max_usd: Option<Usd>,
    pub ttl: Option<Ttl>,
    /// Models the agent keys may use; empty allows any model the key can reach.
    pub models: Vec<String>,
}

/// The caps of one run's agent keys: every one set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunLimits {
    pub max_calls: u64,
    pub max_tokens: u64,
    pub max_usd: Usd,
    pub ttl: Ttl,
    /// Empty: any model.
    pub models: Vec<String>,
}

impl RunSettings {
    /// The caps for a run: each flag given, else this default. A zero cap (from the file
    /// or a flag) is refused rather than read as "unlimited" or "nothing".
    pub fn limits(&self, flags: CapOverrides) -> Result<RunLimits, TillError> {
        let max_calls = flags.max_calls.unwrap_or(self.max_calls);
        let max_tokens = flags.max_tokens.unwrap_or(self.max_tokens);
        for (name, value) in [("max calls", max_calls), ("max tokens", max_tokens)] {
            if value == 0 {
                return Err(invalid(format!(
                    "the {name} cap is 0: give a positive number (there is no unlimited)"
                )));
            }
        }
        let models: Vec<String> = flags
            .models
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        Ok(RunLimits {
            max_calls,
            max_tokens,
            max_usd: flags.max_usd.unwrap_or(self.max_usd),
            ttl: flags.ttl.unwrap_or(self.ttl),
            models,
        })
    }
}

impl fmt::Display for RunLimits {
    /// `1000 calls, 2000000 tokens, $5.00, expires after 8h, any model`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} calls, {} tokens, {}, expires after {}, ",
            self.max_calls, self.max_tokens, self.max_usd, self.ttl
        )?;
        if self.models.is_empty() {
            write!(f, "any model")
        } else {
            write!(f, "models {}", self.models.join(", "))
        }
    }
}

fn invalid(what: String) -> TillError {
    TillError::InvalidInput { what }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print_in_their_largest_unit() {
        for (text, secs, shown) in [
            ("90s", 90, "90s"),
            ("30m", 1800, "30m"),
            ("8h", 28_800, "8h"),
            ("1d", 86_400, "1d"),
            ("120m", 7200, "2h"),
        ] {
            let ttl = Ttl::parse(text).unwrap();
            assert_eq!(ttl.secs(), secs);
            assert_eq!(ttl.to_string(), shown);
        }
        for bad in [
            "",
            "h",
            "8",
            "8w",
            "-1h",
            "0m",
            "31d",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(Ttl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dollars_are_exact_micro_dollars_and_never_zero_or_negative() {
        assert_eq!(Usd::parse("5").unwrap().micros(), 5_000_000);
        assert_eq!(Usd::parse("$0.25").unwrap().to_string(), "$0.25");
        assert_eq!(Usd::from_micros(4200).to_string(), "$0.0042");
        assert_eq!(Usd::from_micros(5_000_000).to_string(), "$5.00");
        for bad in ["0", "-1", "NaN", "inf", "five", "2000000"] {
            assert!(Usd::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_override_defaults_and_nothing_means_unlimited() {
        let settings = RunSettings::default();
        let limits = settings.limits(CapOverrides::default()).unwrap();
        assert_eq!(
            limits.to_string(),
            "1000 calls, 2000000 tokens, $5.00, expires after 8h, any model"
        );
        let limits = settings
            .limits(CapOverrides {
                max_calls: Some(3),
                max_usd: Some(Usd::parse("0.5").unwrap()),
                ttl: Some(Ttl::parse("30m").unwrap()),
                models: vec!["gpt-4o-mini".into(), " ".into()],
                ..CapOverrides::default()
            })
            .unwrap();
        assert_eq!(
            limits.to_string(),
            "3 calls, 2000000 tokens, $0.50, expires after 30m, models gpt-4o-mini"
        );
        let zero = CapOverrides {
            max_calls: Some(0),
            ..CapOverrides::default()
        };
        assert!(settings
            .limits(zero)
            .unwrap_err()
            .to_string()
            .contains("no unlimited"));
    }

    #[test]
    fn the_settings_table_reads_the_forms_people_write() {
        let settings: RunSettings =
            toml::from_str("max_calls = 50\nmax_usd = 0.75\nttl = \"2h\"\n").unwrap();
        assert_eq!(settings.max_calls, 50);
        assert_eq!(settings.max_usd.micros(), 750_000);
        assert_eq!(settings.ttl.secs(), 7200);
        assert_eq!(settings.max_tokens, RunSettings::default().max_tokens);
        let err = toml::from_str::<RunSettings>("ttl = \"forever\"\n").unwrap_err();
        assert!(err.to_string().contains("not a duration"), "{err}");
        assert!(toml::from_str::<RunSettings>("max_usd = 0\n").is_err());
    }
}
