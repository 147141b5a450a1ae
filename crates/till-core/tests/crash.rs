//! Crash safety: every add the vault acknowledged survives `kill -9`.
//!
//! The test runs itself as a child process (`TILL_CRASH_CHILD`), which opens a vault and
//! adds keys in a loop, printing `open` once the vault is open and `ack NAME` after each
//! `add` returns (on stderr, a whole line per write: the test harness has stdout). The
//! parent kills it with SIGKILL, 200 times over: a quarter of the kills land at a random
//! moment of start-up and unlock, the rest a random number of adds in (the kill then lands
//! in the middle of the next add). After each kill it checks that SQLite's integrity
//! check passes and every acknowledged key is in the vault.
//!
//! Where a kill lands is chosen by what the child has printed, not by a clock, so a
//! loaded machine changes how long the test takes, never what it exercises.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
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

/// The child: adds keys until killed, acknowledging each on stderr.
#[test]
fn crash_child_adds_keys_until_killed() {
    let Some(root) = std::env::var_os(CHILD_VAR) else {
        return; // only meaningful as the child of the test below
    };
    let mut vault = open(Path::new(&root));
    report("open");
    let start = vault.keys().len();
    for n in start.. {
        let name = format!("key-{n:06}");
        let value = format!("sk-crash-{n:06}-0123456789abcdef");
        vault
            .keys_mut()
            .add(NewKey::new(&name, SecretString::from(value)))
            .unwrap();
        report(&format!("ack {name}"));
    }
}

/// Writes one whole line to stderr in one `write` (unbuffered stderr would otherwise
/// write it in pieces, and a kill between them would leave half a name).
fn report(line: &str) {
    std::io::stderr()
        .write_all(format!("{line}\n").as_bytes())
        .unwrap();
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
            // The harness writes its own lines to stdout; the child reports on stderr.
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let reports = child.stderr.take().unwrap();
        let (lines, printed) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut reports = BufReader::new(reports);
            let mut line = String::new();
            // Only whole lines: the last one may be cut short by the kill.
            while reports.read_line(&mut line).is_ok_and(|n| n > 0) && line.ends_with('\n') {
                if lines.send(line.trim_end().to_owned()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        let mut acks_this_round = 0;
        if rng.next_below(4) == 0 {
            // During start-up or the unlock (which writes its audit entry).
            std::thread::sleep(Duration::from_millis(rng.next_below(60)));
        } else {
            // After `adds` acknowledged adds, a moment into the next one.
            let adds = rng.next_below(4);
            let mut opened = false;
            while !opened || acks_this_round < adds {
                let line = printed
                    .recv_timeout(Duration::from_secs(60))
                    .unwrap_or_else(|e| panic!("the child stopped printing in round {round}: {e}"));
                match line.strip_prefix("ack ") {
                    Some(name) => {
                        acknowledged.push(name.to_owned());
                        acks_this_round += 1;
                    }
                    None => opened |= line == "open",
                }
            }
            std::thread::sleep(Duration::from_micros(rng.next_below(2_000)));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        // Adds acknowledged before the kill landed count too.
        acknowledged.extend(
            printed
                .try_iter()
                .filter_map(|line| line.strip_prefix("ack ").map(str::to_owned)),
        );

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

    eprintln!(
        "{KILLS} kills, {} acknowledged adds, all present; {:.1} s",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
}
