//! The vault's SQLite schema and its migrations.
//!
//! Plaintext columns are limited to ids, record kinds, timestamps and next-due times;
//! everything else is a sealed envelope. `PRAGMA user_version` holds the schema version;
//! each migration moves it up by one inside the transaction that applies it.

use rusqlite::Connection;

/// Migrations in order; index `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first vault.
    "
    CREATE TABLE vault_meta (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        vault_id      TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        audit_head    BLOB NOT NULL
    );
    CREATE TABLE wraps (
        kind          TEXT PRIMARY KEY,      -- 'password' | 'keyring'
        kdf_params    TEXT,                  -- JSON, password wraps only
        salt          BLOB,
        sealed_key    BLOB NOT NULL
    );
    CREATE TABLE records (
        id            TEXT NOT NULL,
        kind          TEXT NOT NULL,         -- 'key' | 'value'
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        next_due_at   TEXT,
        sealed        BLOB NOT NULL,
        PRIMARY KEY (id, kind)
    );
    CREATE INDEX records_next_due ON records (next_due_at) WHERE next_due_at IS NOT NULL;
    CREATE TABLE audit_log (
        seq           INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        sealed        BLOB NOT NULL,
        mac           BLOB NOT NULL
    );
    ",
    // 2: agent keys. A grant's terms are sealed; its token is stored only as a keyed hash;
    // state, dates and spend are plaintext numbers so the gateway can refuse a revoked or
    // spent grant and sum spend per grant and per day without unsealing anything. The
    // usage ledger holds numbers only, never prompts or outputs.
    "
    CREATE TABLE grants (
        id            TEXT PRIMARY KEY,
        token_hash    BLOB NOT NULL UNIQUE,
        parent_id     TEXT NOT NULL,         -- the key whose value the gateway spends
        state         TEXT NOT NULL,         -- 'active' | 'revoked' | 'expired' | 'exhausted'
        created_at    TEXT NOT NULL,
        expires_at    TEXT,
        first_used_at TEXT,
        last_used_at  TEXT,
        calls         INTEGER NOT NULL DEFAULT 0,
        input_tokens  INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        micro_usd     INTEGER NOT NULL DEFAULT 0,
        sealed        BLOB NOT NULL          -- label, provider, models, endpoints, caps, creator
    );
    CREATE INDEX grants_by_state ON grants (state, expires_at);
    CREATE TABLE usage (
        seq           INTEGER PRIMARY KEY,
        grant_id      TEXT NOT NULL,
        at            TEXT NOT NULL,
        day           TEXT NOT NULL,         -- UTC date, for per-day sums
        provider      TEXT NOT NULL,
        model         TEXT NOT NULL,
        endpoint      TEXT NOT NULL,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        micro_usd     INTEGER NOT NULL,
        status        INTEGER NOT NULL,
        latency_ms    INTEGER NOT NULL,
        estimated     INTEGER NOT NULL
    );
    CREATE INDEX usage_by_grant ON usage (grant_id, seq);
    CREATE INDEX usage_by_day ON usage (day, grant_id);
    ",
    // 3: the gateway's own refusals (revoked, expired, spent, not allowed, over the rate),
    // as counters per grant, minute and code: an agent retrying in a loop adds a row a
    // minute, not a row a call. `grants.refused` sums them (the watcher's signature reads
    // it) and `grants.revoked_at` is when a grant was revoked (a `till run` key: when
    // its run ended).
    "
    ALTER TABLE grants ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE grants ADD COLUMN revoked_at TEXT;
    CREATE TABLE refusals (
        grant_id      TEXT NOT NULL,
        minute        TEXT NOT NULL,         -- UTC, '2026-11-27T09:01'
        day           TEXT NOT NULL,         -- UTC date, for per-day sums
        code          TEXT NOT NULL,         -- the gateway's refusal code
        status        INTEGER NOT NULL,
        count         INTEGER NOT NULL,
        last_at       TEXT NOT NULL,
        PRIMARY KEY (grant_id, minute, code)
    );
    CREATE INDEX refusals_by_day ON refusals (day, grant_id);
    ",
];

/// The schema version this Till writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Sets the pragmas every connection needs: WAL, full fsync, foreign keys.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// The schema version of an open database.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Applies every migration above the current version, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let start = version(conn)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(start.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
