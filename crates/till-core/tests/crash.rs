//! Crash safety: every add the vault acknowledged survives `kill -9`.
//!
//! The test runs itself as a child process (`TILL_CRASH_CHILD`), which opens a vault and
//! adds keys in a loop, printing `ack NAME` after each `add` returns. The parent kills it
//! with SIGKILL after a random delay, 200 times over, and after each kill checks that
//! SQLite's integrity check passes and every acknowledged key is in the vault.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use till_core::clock::SystemClock;
use till_core::crypto::kdf::KdfParams;
use till_core::model::NewKey;
use till_core::settings::Settings;
use till_core::vault::{Unlock, Vault};
use till_core::TillPaths;

const CHILD_VAR: &str = "TILL_CRASH_CHILD";
const KILLS: usize = 200;
const PASSWORD: &str = "crash test password";

fn open(root: &Path) -> Vault {
    let paths = TillPaths::under_root(root).unwrap();
    Vault::open(
        &paths,
        Unlock::Password(&SecretString::from(PASSWORD)),
        Arc::new(SystemClock),
        &Settings::default(),
    )
    .unwrap()
}

/// The child: adds keys until killed, acknowledging each on stdout.
#[test]
fn crash_child_adds_keys_until_killed() {
    let Some(root) = std::env::var_os(CHILD_VAR) else {
        return; // only meaningful as the child of the test below
    };
    let mut vault = open(Path::new(&root));
    let start = vault.keys().len();
    for n in start.. {
        let name = format!("key-{n:06}");
        let value = format!("sk-crash-{n:06}-0123456789abcdef");
        vault
            .keys_mut()
            .add(NewKey::new(&name, SecretString::from(value)))
            .unwrap();
        println!("ack {name}");
    }
}

/// A tiny deterministic PRNG (xorshift), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[test]
fn acknowledged_adds_survive_sigkill() {
    if std::env::var_os(CHILD_VAR).is_some() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let paths = TillPaths::under_root(root.path()).unwrap();
    let vault = Vault::create(
        &paths,
        &SecretString::from(PASSWORD),
        KdfParams::OWASP_FLOOR,
        None,
        Arc::new(SystemClock),
        &Settings::default(),
    )
    .unwrap();
    drop(vault);

    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut acknowledged: Vec<String> = Vec::new();
    let started = Instant::now();
    for round in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_adds_keys_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_VAR, root.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| line.strip_prefix("ack ").map(str::to_owned))
                .collect::<Vec<_>>()
        });
        // Kill somewhere between the unlock and a few adds in.
        std::thread::sleep(Duration::from_millis(20 + rng.next_below(120)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        acknowledged.extend(reader.join().unwrap());

        let conn = rusqlite::Connection::open(Vault::file(&paths)).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "integrity check failed after kill {round}");
        drop(conn);
        let vault = open(root.path());
        for name in &acknowledged {
            assert!(
                vault.keys().find(name).is_ok(),
                "acknowledged '{name}' lost after kill {round}"
            );
        }
    }
    assert!(
        acknowledged.len() > KILLS / 2,
        "the child should get some adds done between kills (got {})",
        acknowledged.len()
    );
    eprintln!(
        "{KILLS} kills, {} acknowledged adds, all present; {:.1} s",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
}
