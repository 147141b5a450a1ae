//! The vault at 10,000 keys: unlock (without the KDF), list, search, add, and memory.
//!
//! `cargo bench -p till-core --bench vault` prints figures; nothing here asserts a time.
//! Unlocking uses an in-memory keyring so the Argon2id cost (deliberately ~0.5 s) does
//! not hide the vault's own work; the KDF is timed separately.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use till_core::clock::SystemClock;
use till_core::crypto::kdf::{derive_key, KdfParams};
use till_core::keyring::Keyring;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{Unlock, Vault};
use till_core::TillPaths;

const KEYS: usize = 10_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    let keyring = Keyring::in_memory();
    let password = SecretString::from("bench password");
    let clock = Arc::new(SystemClock);

    let kdf = KdfParams::calibrate(Duration::from_secs(1));
    let kdf_time = median(3, || {
        derive_key(&password, b"0123456789abcdef", kdf).unwrap();
    });

    let mut vault = Vault::create(
        &paths,
        &password,
        kdf,
        Some(&keyring),
        clock.clone(),
        &Settings::default(),
    )
    .unwrap();
    let providers = ["openai", "stripe", "github", "aws", "anthropic"];
    let envs = ["prod", "staging", "dev"];
    let fill_started = Instant::now();
    for n in 0..KEYS {
        let mut key = NewKey::new(
            format!("service-{n:05} key"),
            SecretString::from(format!("tok-{n:05}-{}", "x".repeat(40))),
        );
        key.provider = Some(providers[n % providers.len()].into());
        key.environment = Some(envs[n % envs.len()].into());
        key.scopes = vec![format!(
            "{}:resource-{}:read",
            providers[n % providers.len()],
            n % 17
        )];
        key.owner = Some(format!("owner-{}", n % 40));
        vault.keys_mut().add(key).unwrap();
    }
    let fill = fill_started.elapsed();
    drop(vault);

    let rss_before = rss_kib();
    let mut vault = None;
    let unlock = median(5, || {
        vault = Some(
            Vault::open(
                &paths,
                Unlock::Keyring(&keyring),
                clock.clone(),
                &Settings::default(),
            )
            .unwrap(),
        );
    });
    let mut vault = vault.unwrap();
    let rss_unlocked = rss_kib();

    let list = median(21, || {
        let listed: Vec<_> = vault.keys().iter().map(|key| vault.view(key)).collect();
        assert_eq!(listed.len(), KEYS);
    });
    let search_hit = median(51, || {
        // Ranked: the exact name first (letters-in-order matches may follow).
        let found = till_core::search::rank(vault.keys(), "service-09876");
        assert_eq!(found[0].name, "service-09876 key");
    });
    let search_broad = median(51, || {
        assert!(!till_core::search::rank(vault.keys(), "stripe").is_empty());
    });
    let search_miss = median(51, || {
        assert!(till_core::search::rank(vault.keys(), "no-such-thing").is_empty());
    });
    let due = median(21, || {
        std::hint::black_box(vault.due_items());
    });
    let plan = median(21, || {
        std::hint::black_box(vault.reminders().plan().unwrap());
    });
    let mut n = KEYS;
    let add = median(51, || {
        n += 1;
        vault
            .keys_mut()
            .add(NewKey::new(
                format!("late-{n}"),
                SecretString::from(format!("late-value-{n}-0123456789")),
            ))
            .unwrap();
    });

    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!("vault benchmark, {KEYS} keys (median)");
    println!(
        "  Argon2id derivation ({} MiB, t={})  {}",
        kdf.memory_kib / 1024,
        kdf.iterations,
        ms(kdf_time)
    );
    println!(
        "  fill: {KEYS} adds, one transaction each    {:.1} s",
        fill.as_secs_f64()
    );
    println!(
        "  unlock without KDF (keyring), decrypt all  {}",
        ms(unlock)
    );
    println!("  list (metadata views)                      {}", ms(list));
    println!(
        "  search, one hit by name                    {}",
        ms(search_hit)
    );
    println!(
        "  search, 2,000 hits by provider             {}",
        ms(search_broad)
    );
    println!(
        "  search, no hit                             {}",
        ms(search_miss)
    );
    println!("  due items (rotation, audit, expiry)        {}", ms(due));
    println!("  reminder plan (due items + ledger + wake)  {}", ms(plan));
    println!("  add one key (fsync'd transaction)          {}", ms(add));
    println!(
        "  memory: RSS grew {:.1} MiB on unlock ({:.1} MiB total)",
        (rss_unlocked.saturating_sub(rss_before)) as f64 / 1024.0,
        rss_unlocked as f64 / 1024.0
    );
}
