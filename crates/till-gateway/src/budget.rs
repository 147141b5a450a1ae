//! Budgets that concurrency cannot overshoot.
//!
//! Each request reserves its worst case at admission (one call, its input estimate plus
//! the output it may produce, and their price) against `used + reserved`; when the answer
//! is in, the reservation is replaced by the real usage. So the caps hold even with many
//! requests in flight; the only way past a cap is a provider reporting more than the
//! request could have used (an input estimate that was too low), bounded by that one
//! request. The per-minute rate is a sliding window of admission times.
//!
//! Pure functions of the caps, the counters and an explicit time: no I/O, no clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::grant::Caps;
use crate::usage::UsageTotals;

/// Tokens and micro-dollars (a reservation or a settled cost).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    pub tokens: u64,
    pub micro_usd: u64,
}

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Calls,
    Tokens,
    Dollars,
    /// Over the per-minute rate; a slot frees in this many seconds.
    Rate {
        retry_after_secs: u64,
    },
}

impl Refusal {
    /// Whether waiting will help (rate), or the grant is spent (caps).
    pub fn is_rate(self) -> bool {
        matches!(self, Refusal::Rate { .. })
    }
}

/// A reservation held by an admitted request; give it back with [`Budget::settle`] or
/// [`Budget::release`].
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a reservation must be settled or released, or the budget stays held"]
pub struct Reservation {
    pub amount: Amount,
}

/// One grant's counters.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    used_calls: u64,
    used: Amount,
    reserved_calls: u64,
    reserved: Amount,
    window: VecDeque<DateTime<Utc>>,
    noted_first_use: bool,
    /// The caps under which exhaustion was last noted.
    noted_exhausted: Option<Caps>,
}

fn fits(used: u64, reserved: u64, want: u64, cap: Option<u64>) -> bool {
    cap.is_none_or(|cap| used.saturating_add(reserved).saturating_add(want) <= cap)
}

impl Budget {
    /// Counters starting from what the ledger says was used.
    pub fn new(used: UsageTotals) -> Self {
        Self {
            used_calls: used.calls,
            used: Amount {
                tokens: used.input_tokens.saturating_add(used.output_tokens),
                micro_usd: used.micro_usd,
            },
            ..Self::default()
        }
    }

    /// Reserves `want` and one call, or says which limit refuses it.
    pub fn admit(
        &mut self,
        caps: &Caps,
        now: DateTime<Utc>,
        want: Amount,
    ) -> Result<Reservation, Refusal> {
        if !fits(self.used_calls, self.reserved_calls, 1, caps.calls) {
            return Err(Refusal::Calls);
        }
        if !fits(
            self.used.tokens,
            self.reserved.tokens,
            want.tokens,
            caps.tokens,
        ) {
            return Err(Refusal::Tokens);
        }
        if !fits(
            self.used.micro_usd,
            self.reserved.micro_usd,
            want.micro_usd,
            caps.micro_usd,
        ) {
            return Err(Refusal::Dollars);
        }
        if let Some(rpm) = caps.rpm {
            let minute_ago = now - Duration::minutes(1);
            while self.window.front().is_some_and(|t| *t <= minute_ago) {
                self.window.pop_front();
            }
            if self.window.len() >= rpm as usize {
                let oldest = self.window.front().copied().unwrap_or(now);
                let wait = (oldest + Duration::minutes(1) - now).num_seconds().max(0) + 1;
                return Err(Refusal::Rate {
                    retry_after_secs: u64::try_from(wait).unwrap_or(60),
                });
            }
            self.window.push_back(now);
        }
        self.reserved_calls += 1;
        self.reserved.tokens = self.reserved.tokens.saturating_add(want.tokens);
        self.reserved.micro_usd = self.reserved.micro_usd.saturating_add(want.micro_usd);
        Ok(Reservation { amount: want })
    }

    fn unreserve(&mut self, r: &Reservation) {
        self.reserved_calls = self.reserved_calls.saturating_sub(1);
        self.reserved.tokens = self.reserved.tokens.saturating_sub(r.amount.tokens);
        self.reserved.micro_usd = self.reserved.micro_usd.saturating_sub(r.amount.micro_usd);
    }

    /// The request was answered: the call and its real cost are used.
    pub fn settle(&mut self, r: Reservation, actual: Amount) {
        self.unreserve(&r);
        self.used_calls += 1;
        self.used.tokens = self.used.tokens.saturating_add(actual.tokens);
        self.used.micro_usd = self.used.micro_usd.saturating_add(actual.micro_usd);
    }

    /// The request never reached the provider: nothing is used.
    pub fn release(&mut self, r: Reservation) {
        self.unreserve(&r);
    }

    /// Whether a cap is used up (nothing more could be admitted, whatever its size).
    pub fn is_exhausted(&self, caps: &Caps) -> bool {
        caps.calls.is_some_and(|c| self.used_calls >= c)
            || caps.tokens.is_some_and(|c| self.used.tokens >= c)
            || caps.micro_usd.is_some_and(|c| self.used.micro_usd >= c)
    }

    /// True the first time it is called for a grant not yet used (so the first use is
    /// recorded once, however many requests race).
    pub fn note_first_use(&mut self, already_used: bool) -> bool {
        let first = !already_used && !self.noted_first_use;
        self.noted_first_use = true;
        first
    }

    /// True the first time the budget is found exhausted under these caps. Caps raised
    /// since (the grant's terms are read on every request) are noted again when they in
    /// turn are used up.
    pub fn note_exhausted(&mut self, caps: &Caps) -> bool {
        let first = self.is_exhausted(caps) && self.noted_exhausted.as_ref() != Some(caps);
        if first {
            self.noted_exhausted = Some(caps.clone());
        }
        first
    }

    pub fn used_calls(&self) -> u64 {
        self.used_calls
    }

    pub fn used(&self) -> Amount {
        self.used
    }

    pub fn reserved(&self) -> Amount {
        self.reserved
    }
}

/// Budgets of every grant this gateway has seen, keyed by grant id.
#[derive(Debug, Default)]
pub struct BudgetBook {
    budgets: Mutex<HashMap<String, Budget>>,
}

impl BudgetBook {
    /// Runs `f` on a grant's budget, creating it from `used` the first time.
    pub fn with<R>(
        &self,
        grant_id: &str,
        used: UsageTotals,
        f: impl FnOnce(&mut Budget) -> R,
    ) -> R {
        let mut map = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
        let budget = map
            .entry(grant_id.to_owned())
            .or_insert_with(|| Budget::new(used));
        f(budget)
    }

    /// Forgets a grant (revoked or expired), so its counters do not outlive it.
    pub fn forget(&self, grant_id: &str) {
        let mut map = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(grant_id);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn calls_cap_is_exact_with_reservations_in_flight() {
        let caps = Caps {
            calls: Some(3),
            ..Caps::default()
        };
        let mut b = Budget::default();
        let r: Vec<_> = (0..3)
            .map(|_| b.admit(&caps, t0(), Amount::default()).unwrap())
            .collect();
        assert_eq!(b.admit(&caps, t0(), Amount::default()), Err(Refusal::Calls));
        let mut r = r.into_iter();
        b.release(r.next().unwrap());
        let again = b.admit(&caps, t0(), Amount::default()).unwrap();
        for x in r.chain([again]) {
            b.settle(x, Amount::default());
        }
        assert!(b.is_exhausted(&caps));
        assert_eq!(b.admit(&caps, t0(), Amount::default()), Err(Refusal::Calls));
    }

    #[test]
    fn dollars_reserve_then_settle_lower() {
        let caps = Caps {
            micro_usd: Some(100),
            ..Caps::default()
        };
        let mut b = Budget::default();
        let want = Amount {
            tokens: 10,
            micro_usd: 60,
        };
        let r1 = b.admit(&caps, t0(), want).unwrap();
        assert_eq!(b.admit(&caps, t0(), want), Err(Refusal::Dollars));
        b.settle(
            r1,
            Amount {
                tokens: 3,
                micro_usd: 20,
            },
        );
        let r2 = b.admit(&caps, t0(), want).unwrap();
        b.settle(r2, want);
        assert_eq!(b.used().micro_usd, 80);
        assert!(!b.is_exhausted(&caps));
    }

    #[test]
    fn rpm_is_a_sliding_minute() {
        let caps = Caps {
            rpm: Some(2),
            ..Caps::default()
        };
        let mut b = Budget::default();
        for s in [0, 10] {
            let r = b
                .admit(&caps, t0() + Duration::seconds(s), Amount::default())
                .unwrap();
            b.settle(r, Amount::default());
        }
        let refused = b.admit(&caps, t0() + Duration::seconds(30), Amount::default());
        assert_eq!(
            refused,
            Err(Refusal::Rate {
                retry_after_secs: 31
            })
        );
        assert!(b
            .admit(&caps, t0() + Duration::seconds(60), Amount::default())
            .is_ok());
    }

    #[test]
    fn raised_caps_admit_again_and_their_exhaustion_is_noted_again() {
        let mut caps = Caps {
            calls: Some(1),
            ..Caps::default()
        };
        let mut b = Budget::default();
        let r = b.admit(&caps, t0(), Amount::default()).unwrap();
        b.settle(r, Amount::default());
        assert!(b.note_exhausted(&caps));
        assert!(!b.note_exhausted(&caps), "noted once");
        caps.calls = Some(2);
        let r = b.admit(&caps, t0(), Amount::default()).unwrap();
        b.settle(r, Amount::default());
        assert!(
            b.note_exhausted(&caps),
            "the raised cap is used up: noted again"
        );
    }

    #[test]
    fn tokens_cap_seeded_from_ledger() {
        let caps = Caps {
            tokens: Some(100),
            ..Caps::default()
        };
        let mut b = Budget::new(UsageTotals {
            calls: 1,
            input_tokens: 50,
            output_tokens: 40,
            micro_usd: 0,
        });
        let want = Amount {
            tokens: 11,
            micro_usd: 0,
        };
        assert_eq!(b.admit(&caps, t0(), want), Err(Refusal::Tokens));
    }

    proptest! {
        /// Many threads admitting and settling at random, each settling within its
        /// reservation (the provider honours max_tokens), never spend past the cap.
        #[test]
        fn concurrent_admit_settle_never_overshoots(
            cap in 1u64..5_000,
            reqs in proptest::collection::vec((1u64..800, 0u64..900), 1..120),
        ) {
            let caps = Caps { micro_usd: Some(cap), ..Caps::default() };
            let book = Arc::new(BudgetBook::default());
            let reqs: Arc<Vec<(u64, u64)>> =
                Arc::new(reqs.iter().map(|(r, a)| (*r, (*a).min(*r))).collect());
            let threads: Vec<_> = (0..8).map(|t| {
                let book = Arc::clone(&book);
                let reqs = Arc::clone(&reqs);
                let caps = caps.clone();
                std::thread::spawn(move || {
                    for (i, (reserve, actual)) in reqs.iter().enumerate() {
                        if i % 8 != t { continue; }
                        let want = Amount { tokens: 0, micro_usd: *reserve };
                        let admitted = book.with("g", UsageTotals::default(), |b| b.admit(&caps, t0(), want));
                        if let Ok(r) = admitted {
                            std::thread::yield_now();
                            book.with("g", UsageTotals::default(), |b| {
                                b.settle(r, Amount { tokens: 0, micro_usd: *actual })
                            });
                        }
                    }
                })
            }).collect();
            for th in threads { th.join().unwrap(); }
            let spent = book.with("g", UsageTotals::default(), |b| b.used().micro_usd);
            prop_assert!(spent <= cap, "spent {} cap {}", spent, cap);
        }

        /// When the provider reports more than was reserved (an input estimate too low),
        /// one at a time, the overshoot is at most one request's settled cost.
        #[test]
        fn underestimates_overshoot_by_at_most_one_request(
            cap in 1u64..5_000,
            reqs in proptest::collection::vec((1u64..800, 0u64..900), 1..120),
        ) {
            let caps = Caps { micro_usd: Some(cap), ..Caps::default() };
            let mut b = Budget::default();
            let max_settled = reqs.iter().map(|(_, a)| *a).max().unwrap_or(0);
            for (reserve, actual) in &reqs {
                if let Ok(r) = b.admit(&caps, t0(), Amount { tokens: 0, micro_usd: *reserve }) {
                    b.settle(r, Amount { tokens: 0, micro_usd: *actual });
                }
            }
            prop_assert!(b.used().micro_usd <= cap + max_settled);
        }
    }
}
