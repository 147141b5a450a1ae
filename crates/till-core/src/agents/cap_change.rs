//! Changing a live agent key's caps: what the change is, whether it leaves room, and how
//! the audit log says it.
//!
//! A person raises a cap after an alert says an agent ran out (or is about to). The rules
//! are small but easy to get subtly wrong, so they live here as pure functions: a cap may
//! go up, come off or go down, but never to or below what is already used (that would
//! stop the agent with a misleading "raised"), and the audit entry names old → new for
//! each cap that moved. The vault applies it (`vault::Grants::set_caps`).

use super::grant::Caps;
use super::limits::Usd;
use super::usage::UsageTotals;

/// New caps on calls, tokens and dollars (`None`: no cap). The per-minute rate and the
/// output reserve stay as minted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapChange {
    pub calls: Option<u64>,
    pub tokens: Option<u64>,
    pub micro_usd: Option<u64>,
}

impl CapChange {
    /// The grant's current caps, to change one at a time.
    pub fn from_caps(caps: &Caps) -> Self {
        Self {
            calls: caps.calls,
            tokens: caps.tokens,
            micro_usd: caps.micro_usd,
        }
    }

    /// `caps` with this change applied.
    pub fn apply(&self, caps: &Caps) -> Caps {
        Caps {
            calls: self.calls,
            tokens: self.tokens,
            micro_usd: self.micro_usd,
            ..caps.clone()
        }
    }
}

/// Why `caps` leave no room for another call after `used`, in a sentence that says what
/// to do; `None` when every cap is above what is used.
pub fn no_room(caps: &Caps, used: &UsageTotals) -> Option<String> {
    let tokens = used.input_tokens.saturating_add(used.output_tokens);
    let checks = [
        (caps.calls, used.calls, "calls", used.calls.to_string()),
        (caps.tokens, tokens, "tokens", tokens.to_string()),
        (
            caps.micro_usd,
            used.micro_usd,
            "dollars",
            Usd::from_micros(used.micro_usd).to_string(),
        ),
    ];
    checks
        .into_iter()
        .find(|(cap, used, _, _)| cap.is_some_and(|cap| cap <= *used))
        .map(|(_, _, what, shown)| {
            format!(
                "has already used {shown} {what}: a cap at or below that leaves it no room; \
                 give more than {shown}, or leave the cap as it is"
            )
        })
}

/// "caps raised: $0.50 → $1.00, 10 calls → 20 calls" for the audit log; "changed" when a
/// cap went down or one was added. Never a token or a key.
pub fn describe(old: &Caps, new: &Caps) -> String {
    let show = |cap: Option<u64>, unit: &str| match cap {
        None => "no cap".to_owned(),
        Some(n) if unit.is_empty() => Usd::from_micros(n).to_string(),
        Some(n) => format!("{n} {unit}"),
    };
    let mut parts = Vec::new();
    let mut raised = true;
    for (before, after, unit) in [
        (old.calls, new.calls, "calls"),
        (old.tokens, new.tokens, "tokens"),
        (old.micro_usd, new.micro_usd, ""),
    ] {
        if before == after {
            continue;
        }
        // No cap is the highest cap.
        raised &= after.is_none() || before.zip(after).is_some_and(|(b, a)| a > b);
        parts.push(format!("{} → {}", show(before, unit), show(after, unit)));
    }
    if parts.is_empty() {
        return "caps unchanged (active again)".into();
    }
    let verb = if raised { "raised" } else { "changed" };
    format!("caps {verb}: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(calls: Option<u64>, tokens: Option<u64>, micro_usd: Option<u64>) -> Caps {
        Caps {
            calls,
            tokens,
            micro_usd,
            rpm: Some(30),
            ..Caps::default()
        }
    }

    #[test]
    fn a_change_keeps_the_rate() {
        let change = CapChange {
            calls: Some(9),
            ..CapChange::default()
        };
        assert_eq!(
            change.apply(&caps(Some(3), Some(5), None)),
            caps(Some(9), None, None)
        );
        assert_eq!(
            CapChange::from_caps(&caps(Some(3), None, Some(7))).apply(&Caps::default()),
            Caps {
                calls: Some(3),
                micro_usd: Some(7),
                ..Caps::default()
            }
        );
    }

    #[test]
    fn room_means_more_than_is_used() {
        let used = UsageTotals {
            calls: 4,
            input_tokens: 60,
            output_tokens: 40,
            micro_usd: 4_000,
        };
        // (caps, the start of the refusal or None)
        let cases = [
            (caps(Some(5), Some(101), Some(4_001)), None),
            (caps(None, None, None), None),
            (caps(Some(4), None, None), Some("has already used 4 calls")),
            (caps(Some(2), None, None), Some("has already used 4 calls")),
            (
                caps(None, Some(100), None),
                Some("has already used 100 tokens"),
            ),
            (
                caps(None, None, Some(4_000)),
                Some("has already used $0.004 dollars"),
            ),
        ];
        for (caps, expected) in cases {
            let said = no_room(&caps, &used);
            assert_eq!(
                said.as_deref().map(|s| &s[..expected.map_or(0, str::len)]),
                expected,
                "{caps:?}: {said:?}"
            );
        }
    }

    #[test]
    fn the_audit_line_names_each_cap_that_moved() {
        let old = caps(Some(10), None, Some(500_000));
        assert_eq!(
            describe(&old, &caps(Some(20), None, Some(2_000_000))),
            "caps raised: 10 calls → 20 calls, $0.50 → $2.00"
        );
        assert_eq!(
            describe(&old, &caps(None, None, Some(500_000))),
            "caps raised: 10 calls → no cap"
        );
        assert_eq!(
            describe(&old, &caps(Some(6), Some(5_000), Some(500_000))),
            "caps changed: 10 calls → 6 calls, no cap → 5000 tokens"
        );
        assert_eq!(describe(&old, &old), "caps unchanged (active again)");
    }
}
