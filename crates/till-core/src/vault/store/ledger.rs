//! The store's agent tables: grants (sealed terms beside plaintext state and spend), the
//! usage ledger (numbers only) and the gateway's own refusals (counters per minute).
//!
//! Kept apart from the `records` table because the gateway reads and writes these on
//! every request: a grant is found by the keyed hash of its token with one indexed read,
//! and a request's usage is one insert plus one update of the grant's totals. Usage is
//! committed with `synchronous=NORMAL`: in WAL mode that survives the process being
//! killed (the ledger stays consistent), and skips an fsync per request; only a power
//! loss can drop the last requests. Grant changes (mint, revoke, state) are audited and
//! fully synced like every other action.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{db_error, record_aad, Action, RecordKind, Store};
use crate::agents::alerts::RefusedMinute;
use crate::agents::hourly::HourUsage;
use crate::agents::{
    EndpointFamily, GrantState, Provider, RefusedCall, TokenKey, UsageRecord, UsageTotals,
};
use crate::crypto::envelope;
use crate::error::TillError;

/// A stored grant: plaintext state, dates and spend, and its opened terms.
#[derive(Debug, Clone)]
pub(crate) struct GrantRow<T> {
    pub id: String,
    pub parent_id: String,
    pub state: GrantState,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub first_used_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked (by a person, or by `till run` at its end).
    pub revoked_at: Option<DateTime<Utc>>,
    pub used: UsageTotals,
    /// Requests the gateway refused itself.
    pub refused: u64,
    pub terms: T,
}

/// Spend of one grant on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DailyUsage {
    #[ts(type = "string")]
    pub day: NaiveDate,
    pub grant_id: String,
    #[ts(type = "number")]
    pub calls: u64,
    #[ts(type = "number")]
    pub refused: u64,
    #[ts(type = "number")]
    pub input_tokens: u64,
    #[ts(type = "number")]
    pub output_tokens: u64,
    #[ts(type = "number")]
    pub micro_usd: u64,
}

fn time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    Ok(u64::try_from(row.get::<_, i64>(index)?).unwrap_or(0))
}

/// SQLite keeps integers signed: spend beyond i64 is clamped, not wrapped.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// How long the gateway's refusals are kept per minute (the charts show 14 days; the
/// grant's total in `grants.refused` stays).
pub const REFUSAL_DAYS: i64 = 31;

const GRANT_COLUMNS: &str = "id, parent_id, state, created_at, expires_at, first_used_at, \
     last_used_at, calls, input_tokens, output_tokens, micro_usd, sealed, revoked_at, refused";

/// A row as read, before its terms are opened.
type RawGrant = (GrantRow<()>, String, Vec<u8>);

fn raw_grant(row: &Row<'_>) -> rusqlite::Result<RawGrant> {
    let id: String = row.get(0)?;
    let state: String = row.get(2)?;
    let created: String = row.get(3)?;
    Ok((
        GrantRow {
            id,
            parent_id: row.get(1)?,
            state: GrantState::from_name(&state).unwrap_or(GrantState::Revoked),
            created_at: time(Some(created)).unwrap_or_default(),
            expires_at: time(row.get(4)?),
            first_used_at: time(row.get(5)?),
            last_used_at: time(row.get(6)?),
            revoked_at: time(row.get(12)?),
            used: UsageTotals {
                calls: count(row, 7)?,
                input_tokens: count(row, 8)?,
                output_tokens: count(row, 9)?,
                micro_usd: count(row, 10)?,
            },
            refused: count(row, 13)?,
            terms: (),
        },
        state,
        row.get(11)?,
    ))
}

impl Store {
    /// The key agent tokens are hashed with (a copy, for the gateway that checks them).
    pub fn agent_token_key(&self) -> TokenKey {
        TokenKey::new(*self.keys.agent_token.expose())
    }

    fn open_grant<T: DeserializeOwned>(&self, raw: RawGrant) -> Result<GrantRow<T>, TillError> {
        let (row, state, sealed) = raw;
        if GrantState::from_name(&state).is_none() {
            return Err(self.corrupt(format!("grant {} has an unknown state '{state}'", row.id)));
        }
        let plaintext = envelope::open(
            &self.keys.seal,
            &record_aad(RecordKind::Grant, &row.id),
            &sealed,
        )
        .map_err(|e| self.corrupt(format!("grant {}: {e}", row.id)))?;
        let terms = serde_json::from_slice(&plaintext)
            .map_err(|e| self.corrupt(format!("grant {}: {e}", row.id)))?;
        Ok(GrantRow {
            id: row.id,
            parent_id: row.parent_id,
            state: row.state,
            created_at: row.created_at,
            expires_at: row.expires_at,
            first_used_at: row.first_used_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            used: row.used,
            refused: row.refused,
            terms,
        })
    }

    /// The grant whose token hashes to `hash`, if any (one indexed read).
    pub fn grant_by_hash<T: DeserializeOwned>(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<GrantRow<T>>, TillError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE token_hash = ?1"),
                [hash.as_slice()],
                raw_grant,
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))?;
        raw.map(|raw| self.open_grant(raw)).transpose()
    }

    /// The grant with this id, if any.
    pub fn grant<T: DeserializeOwned>(&self, id: &str) -> Result<Option<GrantRow<T>>, TillError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = ?1"),
                [id],
                raw_grant,
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))?;
        raw.map(|raw| self.open_grant(raw)).transpose()
    }

    /// Every grant, newest first.
    pub fn grants<T: DeserializeOwned>(&self) -> Result<Vec<GrantRow<T>>, TillError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {GRANT_COLUMNS} FROM grants ORDER BY created_at DESC, id"
            ))
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([], raw_grant)
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for raw in rows {
            out.push(self.open_grant(raw.map_err(|e| db_error(&self.path, e))?)?);
        }
        Ok(out)
    }

    /// Runs `work` in one transaction committed with `synchronous=NORMAL` (the ledger's
    /// rows survive `kill -9` and skip an fsync per request; the grant's totals move in
    /// the same transaction, so they stay consistent), then restores `FULL`.
    fn ledger_transaction(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), TillError> {
        let db = |e| db_error(&self.path, e);
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        let result = self.conn.transaction().and_then(|tx| {
            work(&tx)?;
            tx.commit()
        });
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        result.and(restored).map_err(|e| db_error(&self.path, e))
    }

    /// Appends one request to the ledger and to its grant's totals, in one transaction.
    pub fn append_usage(&mut self, record: &UsageRecord) -> Result<(), TillError> {
        self.ledger_transaction(|tx| {
            tx.execute(
                "INSERT INTO usage (grant_id, at, day, provider, model, endpoint, input_tokens,
                                    output_tokens, micro_usd, status, latency_ms, estimated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    record.grant_id,
                    record.at.to_rfc3339(),
                    record.at.date_naive().to_string(),
                    record.provider.id(),
                    record.model,
                    record.endpoint.id(),
                    int(record.input_tokens),
                    int(record.output_tokens),
                    int(record.micro_usd),
                    record.status,
                    int(record.latency_ms),
                    record.estimated,
                ],
            )?;
            tx.execute(
                "UPDATE grants SET calls = calls + 1, input_tokens = input_tokens + ?2,
                        output_tokens = output_tokens + ?3, micro_usd = micro_usd + ?4,
                        last_used_at = ?5
                 WHERE id = ?1",
                params![
                    record.grant_id,
                    int(record.input_tokens),
                    int(record.output_tokens),
                    int(record.micro_usd),
                    record.at.to_rfc3339(),
                ],
            )?;
            Ok(())
        })
    }

    /// Counts one request the gateway refused itself: one upsert of its minute's counter,
    /// one update of the grant's total, and the grant's counters older than
    /// [`REFUSAL_DAYS`] dropped (an indexed range), in one transaction
    /// (`synchronous=NORMAL`, as for usage). So a grant refused forever holds at most
    /// `REFUSAL_DAYS` days of minutes per reason.
    pub fn append_refusal(&mut self, refused: &RefusedCall) -> Result<(), TillError> {
        self.ledger_transaction(|tx| {
            tx.execute(
                "INSERT INTO refusals (grant_id, minute, day, code, status, count, last_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
                 ON CONFLICT (grant_id, minute, code)
                 DO UPDATE SET count = count + 1, last_at = MAX(last_at, excluded.last_at)",
                params![
                    refused.grant_id,
                    refused.at.format("%Y-%m-%dT%H:%M").to_string(),
                    refused.at.date_naive().to_string(),
                    refused.code,
                    refused.status,
                    refused.at.to_rfc3339(),
                ],
            )?;
            tx.execute(
                "UPDATE grants SET refused = refused + 1 WHERE id = ?1",
                [&refused.grant_id],
            )?;
            let oldest = refused.at - chrono::Duration::days(REFUSAL_DAYS);
            tx.execute(
                "DELETE FROM refusals WHERE grant_id = ?1 AND minute < ?2",
                params![
                    refused.grant_id,
                    oldest.format("%Y-%m-%dT%H:%M").to_string()
                ],
            )?;
            Ok(())
        })
    }

    /// The gateway's refusals whose minute's last one is after `since`, per grant, for
    /// the alert detector.
    pub fn refusals_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, RefusedMinute)>, TillError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT grant_id, last_at, code, count FROM refusals
                 WHERE day >= ?2 AND last_at > ?1",
            )
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map(
                params![since.to_rfc3339(), since.date_naive().to_string()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        count(row, 3)?,
                    ))
                },
            )
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (grant_id, at, code, count) = row.map_err(|e| db_error(&self.path, e))?;
            let Some(at) = time(Some(at)) else { continue };
            out.push((grant_id, RefusedMinute { at, code, count }));
        }
        Ok(out)
    }

    /// The ledger of one grant (or all), newest first, at most `limit` rows.
    pub fn usage(
        &self,
        grant_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UsageRecord>, TillError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT grant_id, at, model, endpoint, input_tokens, output_tokens, micro_usd,
                        status, latency_ms, estimated, provider
                 FROM usage WHERE (?1 IS NULL OR grant_id = ?1)
                 ORDER BY seq DESC LIMIT ?2",
            )
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map(params![grant_id, int(limit as u64)], |row| {
                let endpoint: String = row.get(3)?;
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    endpoint,
                    [count(row, 4)?, count(row, 5)?, count(row, 6)?],
                    row.get::<_, u16>(7)?,
                    count(row, 8)?,
                    row.get::<_, bool>(9)?,
                    row.get::<_, String>(10)?,
                ))
            })
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                grant_id,
                at,
                model,
                endpoint,
                [input, output, micro_usd],
                status,
                latency,
                est,
                provider,
            ) = row.map_err(|e| db_error(&self.path, e))?;
            let provider = Provider::from_id(&provider)
                .ok_or_else(|| self.corrupt(format!("usage row with provider '{provider}'")))?;
            let endpoint = EndpointFamily::from_id(&endpoint)
                .ok_or_else(|| self.corrupt(format!("usage row with endpoint '{endpoint}'")))?;
            out.push(UsageRecord {
                provider,
                grant_id,
                at: time(Some(at)).unwrap_or_default(),
                endpoint,
                model,
                input_tokens: input,
                output_tokens: output,
                micro_usd,
                status,
                latency_ms: latency,
                estimated: est,
            });
        }
        Ok(out)
    }

    /// Every request since `since` (exclusive), for the alert detector: grant, time,
    /// cost and status only.
    pub fn calls_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, crate::agents::alerts::Call)>, TillError> {
        let mut statement = self
            .conn
            // `day` is indexed: only today's (and maybe yesterday's) rows are read.
            .prepare(
                "SELECT grant_id, at, micro_usd, status FROM usage WHERE day >= ?2 AND at > ?1",
            )
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map(
                params![since.to_rfc3339(), since.date_naive().to_string()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        count(row, 2)?,
                        row.get::<_, u16>(3)?,
                    ))
                },
            )
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (grant_id, at, micro_usd, status) = row.map_err(|e| db_error(&self.path, e))?;
            let Some(at) = time(Some(at)) else { continue };
            out.push((
                grant_id,
                crate::agents::alerts::Call {
                    at,
                    micro_usd,
                    status,
                },
            ));
        }
        Ok(out)
    }

    /// A cheap fingerprint of the agent tables: it changes whenever a request is recorded
    /// or refused, or a grant is minted or changes state (by any process), so a poller
    /// can skip work.
    pub fn agents_signature(&self) -> Result<String, TillError> {
        self.conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM usage) || '|' ||
                        (SELECT COUNT(*) FROM grants) || '|' ||
                        (SELECT COALESCE(SUM(refused), 0) FROM grants) || '|' ||
                        (SELECT COALESCE(group_concat(state, ','), '') FROM grants)",
                [],
                |row| row.get::<_, String>(0),
            )
            .map_err(|e| db_error(&self.path, e))
    }

    /// One grant's sums per hour since `since` (an hour's start): its requests, then the
    /// gateway's refusals, as separate rows (the caller adds them up per hour).
    pub fn hourly_usage(
        &self,
        grant_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<HourUsage>, TillError> {
        // `at` and `minute` are UTC text: their first 13 characters name the hour.
        let since_text = since.to_rfc3339();
        let day = since.date_naive().to_string();
        let queries = [
            "SELECT substr(at, 1, 13), COUNT(*), SUM(status >= 400),
                    SUM(input_tokens + output_tokens), SUM(micro_usd)
             FROM usage WHERE day >= ?3 AND grant_id = ?1 AND at >= ?2
             GROUP BY substr(at, 1, 13)",
            "SELECT substr(minute, 1, 13), 0, SUM(count), 0, 0
             FROM refusals WHERE day >= ?3 AND grant_id = ?1 AND last_at >= ?2
             GROUP BY substr(minute, 1, 13)",
        ];
        let mut out = Vec::new();
        for sql in queries {
            let mut statement = self
                .conn
                .prepare(sql)
                .map_err(|e| db_error(&self.path, e))?;
            let rows = statement
                .query_map(params![grant_id, since_text, day], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        [
                            count(row, 1)?,
                            count(row, 2)?,
                            count(row, 3)?,
                            count(row, 4)?,
                        ],
                    ))
                })
                .map_err(|e| db_error(&self.path, e))?;
            for row in rows {
                let (hour, [calls, refused, tokens, micro_usd]) =
                    row.map_err(|e| db_error(&self.path, e))?;
                let Some(hour) = time(Some(format!("{hour}:00:00Z"))) else {
                    continue;
                };
                out.push(HourUsage {
                    hour,
                    calls,
                    refused,
                    tokens,
                    micro_usd,
                });
            }
        }
        Ok(out)
    }

    /// Spend per grant per day since `since` (inclusive), oldest first.
    pub fn daily_usage(&self, since: NaiveDate) -> Result<Vec<DailyUsage>, TillError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT day, grant_id, COUNT(*), SUM(status >= 400), SUM(input_tokens),
                        SUM(output_tokens), SUM(micro_usd)
                 FROM usage WHERE day >= ?1 GROUP BY day, grant_id ORDER BY day, grant_id",
            )
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([since.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    DailyUsage {
                        day: NaiveDate::MIN,
                        grant_id: row.get(1)?,
                        calls: count(row, 2)?,
                        refused: count(row, 3)?,
                        input_tokens: count(row, 4)?,
                        output_tokens: count(row, 5)?,
                        micro_usd: count(row, 6)?,
                    },
                ))
            })
            .map_err(|e| db_error(&self.path, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (day, mut usage) = row.map_err(|e| db_error(&self.path, e))?;
            usage.day = day
                .parse()
                .map_err(|_| self.corrupt(format!("usage row with day '{day}'")))?;
            out.push(usage);
        }
        drop(statement);
        self.add_daily_refusals(since, &mut out)?;
        Ok(out)
    }

    /// Adds the gateway's own refusals to the per-day numbers (a day with refusals only
    /// gets its own entry), keeping the order by day and grant.
    fn add_daily_refusals(
        &self,
        since: NaiveDate,
        days: &mut Vec<DailyUsage>,
    ) -> Result<(), TillError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT day, grant_id, SUM(count) FROM refusals WHERE day >= ?1
                 GROUP BY day, grant_id",
            )
            .map_err(|e| db_error(&self.path, e))?;
        let rows = statement
            .query_map([since.to_string()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    count(row, 2)?,
                ))
            })
            .map_err(|e| db_error(&self.path, e))?;
        for row in rows {
            let (day, grant_id, refused) = row.map_err(|e| db_error(&self.path, e))?;
            let day: NaiveDate = day
                .parse()
                .map_err(|_| self.corrupt(format!("refusal row with day '{day}'")))?;
            match days
                .iter_mut()
                .find(|d| d.day == day && d.grant_id == grant_id)
            {
                Some(entry) => entry.refused += refused,
                None => days.push(DailyUsage {
                    day,
                    grant_id,
                    calls: 0,
                    refused,
                    input_tokens: 0,
                    output_tokens: 0,
                    micro_usd: 0,
                }),
            }
        }
        days.sort_by(|a, b| (a.day, &a.grant_id).cmp(&(b.day, &b.grant_id)));
        Ok(())
    }
}

impl Action<'_> {
    fn seal_terms<T: Serialize>(&self, id: &str, terms: &T) -> Result<Vec<u8>, TillError> {
        let plaintext = zeroize::Zeroizing::new(serde_json::to_vec(terms).map_err(|e| {
            TillError::Internal {
                what: e.to_string(),
            }
        })?);
        Ok(envelope::seal(
            &self.keys().seal,
            &record_aad(RecordKind::Grant, id),
            &plaintext,
        ))
    }

    /// Writes a new grant: its token's keyed hash, parent, dates, and sealed terms.
    pub fn insert_grant<T: Serialize>(
        &self,
        row: &GrantRow<T>,
        token_hash: &[u8; 32],
    ) -> Result<(), TillError> {
        let sealed = self.seal_terms(&row.id, &row.terms)?;
        self.execute(
            "INSERT INTO grants (id, token_hash, parent_id, state, created_at, expires_at, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.id,
                token_hash.as_slice(),
                row.parent_id,
                GrantState::as_str(row.state),
                row.created_at.to_rfc3339(),
                row.expires_at.map(|t| t.to_rfc3339()),
                sealed
            ],
        )
        .map(drop)
    }

    /// Reseals a live grant's terms (new caps) and makes it active: an exhausted grant
    /// given room goes on. Returns false when the grant was revoked or expired meanwhile.
    pub fn set_grant_terms<T: Serialize>(&self, id: &str, terms: &T) -> Result<bool, TillError> {
        let sealed = self.seal_terms(id, terms)?;
        self.execute(
            "UPDATE grants SET sealed = ?2, state = 'active'
             WHERE id = ?1 AND state IN ('active', 'exhausted')",
            params![id, sealed],
        )
        .map(|changed| changed > 0)
    }

    /// Moves a grant to `state`; returns whether it changed (only an active grant moves).
    /// A revocation is dated.
    pub fn set_grant_state(&self, id: &str, state: GrantState) -> Result<bool, TillError> {
        // An exhausted grant can still be revoked (a person stopping it for good: its
        // next request is then refused as unauthorized, not as over its cap).
        let from = if state == GrantState::Revoked {
            "state IN ('active', 'exhausted')"
        } else {
            "state = 'active'"
        };
        let revoked_at = (state == GrantState::Revoked).then(|| self.now.to_rfc3339());
        self.execute(
            &format!(
                "UPDATE grants SET state = ?2, revoked_at = COALESCE(?3, revoked_at)
                 WHERE id = ?1 AND {from}"
            ),
            params![id, GrantState::as_str(state), revoked_at],
        )
        .map(|changed| changed > 0)
    }

    /// Records a grant's first use; returns whether this was it.
    pub fn set_first_use(&self, id: &str, at: DateTime<Utc>) -> Result<bool, TillError> {
        self.execute(
            "UPDATE grants SET first_used_at = ?2 WHERE id = ?1 AND first_used_at IS NULL",
            params![id, at.to_rfc3339()],
        )
        .map(|changed| changed > 0)
    }
}
