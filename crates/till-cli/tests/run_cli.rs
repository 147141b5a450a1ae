//! `till run` from the real binary, against a real vault: what the child's environment
//! holds (read from `/proc/PID/environ`), agent keys through the fake gateway seam
//! (`TILL_RUN_FAKE_AGENT_KEYS`, debug builds only), exit statuses and forwarded signals,
//! masking of piped output and raw output on a pseudo-terminal, and the errors that
//! stop a run before its command starts.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{stderr, stdout, Home, PASSWORD};

const GITHUB: &str = "ghp_RUNTESTgithubVALUE0000000000000001";
const STRIPE: &str = "rk_live_RUNTESTstripeVALUE00000000001";
const OPENAI: &str = "sk-proj-RUNTESTopenaiVALUE000000000000000000000000000001";
const ANTHROPIC: &str = "sk-ant-api03-RUNTESTanthropicVALUE0000000000000000000000000001AA";
const GROQ: &str = "gsk_RUNTESTgroqVALUE000000000000000000000000000000000001";
const ALL_VALUES: [&str; 5] = [GITHUB, STRIPE, OPENAI, ANTHROPIC, GROQ];

/// A vault (password only, no keyring) with one key per kind the tests need.
fn home_with_keys() -> Home {
    let home = Home::new();
    home.init();
    for (name, provider, scope, value) in [
        ("gh", "github", "github:contents:read", GITHUB),
        ("stripe", "stripe", "stripe:charges:read", STRIPE),
        ("oa", "openai", "openai:*:*", OPENAI),
        ("an", "anthropic", "anthropic:*:*", ANTHROPIC),
        ("groq", "groq", "groq:*:*", GROQ),
    ] {
        let out = home.with_password(
            &[
                "add",
                name,
                "--provider",
                provider,
                "--scope",
                scope,
                "--value-stdin",
            ],
            value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    home
}

/// A working directory for the child, with the fake agent-key log beside it.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    /// The child's environment as the kernel holds it, written by the child.
    fn environ(&self) -> Vec<String> {
        let bytes = std::fs::read(self.path("environ")).unwrap();
        bytes
            .split(|b| *b == 0)
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    fn fake_log(&self) -> String {
        self.read("agent-keys.log")
    }
}

/// `till --password-stdin run ARGS…` in `work`, with the fake agent keys.
fn run_command(home: &Home, work: &Work, args: &[&str]) -> Command {
    let mut all = vec!["--password-stdin", "run"];
    all.extend_from_slice(args);
    let mut command = home.command(&all);
    command
        .current_dir(work.dir.path())
        .env("TILL_RUN_FAKE_AGENT_KEYS", work.path("agent-keys.log"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs to the end with the password (and `rest`) on stdin.
fn till_run(home: &Home, work: &Work, args: &[&str], rest: &str) -> Output {
    let mut child = run_command(home, work, args)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n{rest}").as_bytes());
    child.wait_with_output().unwrap()
}

/// Starts a run whose child writes `ready` once its traps are set.
fn start(home: &Home, work: &Work, args: &[&str]) -> Child {
    let mut child = run_command(home, work, args)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    wait_for(|| work.exists("ready"), "the child to start");
    child
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn finish(child: Child) -> Output {
    let pid = child.id();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            panic!("till run did not end after the signal");
        }
    }
}

fn assert_no_value_in(text: &str, values: &[&str], what: &str) {
    for value in values {
        assert!(!text.contains(value), "{what} holds a value: {text}");
    }
}

const DUMP: &str = "cat /proc/$$/environ > environ; cat /proc/$$/cmdline > cmdline";

#[test]
fn a_real_key_is_in_the_child_environment_only_and_no_other_key_is() {
    let home = home_with_keys();
    let work = Work::new();
    let script = format!("printf '%s' \"$GITHUB_TOKEN\" > out; {DUMP}; cat");
    let out = till_run(
        &home,
        &work,
        &["--key", "gh", "--", "sh", "-c", &script],
        "the rest of stdin\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(work.read("out"), GITHUB);
    let environ = work.environ();
    assert!(environ.contains(&format!("GITHUB_TOKEN={GITHUB}")));
    let others = [STRIPE, OPENAI, ANTHROPIC, GROQ];
    assert_no_value_in(&environ.join("\n"), &others, "the child's environment");
    assert_no_value_in(&work.read("cmdline"), &ALL_VALUES, "the child's arguments");
    assert_eq!(
        stdout(&out),
        "the rest of stdin\n",
        "stdin after the password line is the child's"
    );
    assert_no_value_in(&stderr(&out), &ALL_VALUES, "till's stderr");
    assert!(
        !work.exists("agent-keys.log"),
        "no agent key for a github key"
    );
}

#[test]
fn llm_keys_get_agent_keys_and_the_gateway_url_never_their_value() {
    let home = home_with_keys();
    std::fs::create_dir_all(home.root().join("config")).unwrap();
    std::fs::write(
        home.root().join("config/settings.toml"),
        "[run]\nmax_calls = 42\nttl = \"2h\"\n",
    )
    .unwrap();
    let work = Work::new();
    std::fs::write(
        work.path("agent.env"),
        "# the agent's settings\nGROQ_API_KEY=till://groq\nexport MODEL=llama\n",
    )
    .unwrap();
    let out = till_run(
        &home,
        &work,
        &[
            "--key",
            "oa",
            "--scope",
            "anthropic:messages:write",
            "--allow-broader",
            "--env-file",
            "agent.env",
            "--max-usd",
            "0.5",
            "--",
            "sh",
            "-c",
            DUMP,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let environ = work.environ();
    let get = |name: &str| {
        environ
            .iter()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} is not set: {environ:?}"))
            .to_owned()
    };
    assert!(get("OPENAI_API_KEY").starts_with("till_sk_FAKE"));
    assert_eq!(get("OPENAI_BASE_URL"), "http://127.0.0.1:47999/openai/v1");
    assert!(get("ANTHROPIC_API_KEY").starts_with("till_sk_FAKE"));
    assert_eq!(
        get("ANTHROPIC_BASE_URL"),
        "http://127.0.0.1:47999/anthropic"
    );
    assert!(get("GROQ_API_KEY").starts_with("till_sk_FAKE"));
    assert_eq!(get("GROQ_BASE_URL"), "http://127.0.0.1:47999/groq");
    assert_eq!(get("MODEL"), "llama");
    assert_ne!(get("OPENAI_API_KEY"), get("ANTHROPIC_API_KEY"));
    assert_no_value_in(&environ.join("\n"), &ALL_VALUES, "the child's environment");

    let log = work.fake_log();
    let mints: Vec<&str> = log.lines().filter(|l| l.starts_with("mint ")).collect();
    assert_eq!(mints.len(), 3, "{log}");
    assert!(
        mints.iter().all(|l| l.contains(
            "till run: sh | 42 calls, 2000000 tokens, $0.50, expires after 2h, any model"
        )),
        "settings.toml's defaults and the flag both apply: {log}"
    );
    assert!(log.contains("finish grant-1 grant-2 grant-3"), "{log}");
    let err = stderr(&out);
    assert!(
        err.contains("till: 3 agent keys revoked: 3 calls, 1234 tokens, $0.0042 spent; no cap hit"),
        "{err}"
    );
}

#[test]
fn openrouter_and_mistral_use_their_own_variables() {
    let home = Home::new();
    home.init();
    for (name, provider) in [("or", "openrouter"), ("mi", "mistral")] {
        let value = format!("{provider}-RUNTEST-value-0000000000000000000001");
        let out = home.with_password(
            &["add", name, "--provider", provider, "--value-stdin"],
            &value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let work = Work::new();
    let out = till_run(
        &home,
        &work,
        &["--key", "or", "--key", "mi", "--", "sh", "-c", DUMP],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let environ = work.environ().join("\n");
    for expected in [
        "OPENROUTER_API_KEY=till_sk_FAKE",
        "OPENROUTER_BASE_URL=http://127.0.0.1:47999/openrouter/v1",
        "MISTRAL_API_KEY=till_sk_FAKE",
        "MISTRAL_BASE_URL=http://127.0.0.1:47999/mistral/v1",
    ] {
        assert!(environ.contains(expected), "{expected} missing: {environ}");
    }
    assert!(!environ.contains("RUNTEST-value"), "{environ}");
}

#[test]
fn exit_statuses_are_the_childs_and_agent_keys_are_revoked_on_every_path() {
    let home = home_with_keys();
    let work = Work::new();
    for (script, expected) in [("exit 0", 0), ("exit 7", 7), ("kill -TERM $$", 143)] {
        let out = till_run(&home, &work, &["--key", "oa", "--", "sh", "-c", script], "");
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{script}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("1 agent key revoked"),
            "{script}: {}",
            stderr(&out)
        );
    }
    // Without agent keys: the same statuses, no summary.
    for (script, expected) in [("exit 0", 0), ("exit 7", 7), ("kill -TERM $$", 143)] {
        let out = till_run(&home, &work, &["--key", "gh", "--", "sh", "-c", script], "");
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{script}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("revoked"), "{}", stderr(&out));
    }
    let log = work.fake_log();
    assert_eq!(log.matches("finish grant-1").count(), 3, "{log}");
}

#[test]
fn sigterm_to_till_reaches_the_child_and_the_agent_key_is_still_revoked() {
    let home = home_with_keys();
    let work = Work::new();
    let child = start(
        &home,
        &work,
        &[
            "--key",
            "oa",
            "--",
            "sh",
            "-c",
            "echo > ready; exec sleep 60",
        ],
    );
    signal(&child, "TERM");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    assert!(
        work.fake_log().contains("finish grant-1"),
        "{}",
        work.fake_log()
    );
    assert!(
        stderr(&out).contains("1 agent key revoked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_is_forwarded_to_a_child_that_traps_it() {
    let home = home_with_keys();
    let work = Work::new();
    let script = "trap 'echo trapped > marker; exit 0' INT; echo > ready; \
                  while :; do sleep 0.05; done";
    let child = start(&home, &work, &["--key", "gh", "--", "sh", "-c", script]);
    signal(&child, "INT");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(work.read("marker"), "trapped\n");
}

#[test]
fn piped_output_is_masked_even_when_a_value_is_split_across_writes() {
    let home = home_with_keys();
    let work = Work::new();
    let script = "echo \"token: $GITHUB_TOKEN\"; \
                  printf '%s' \"$GITHUB_TOKEN\" | head -c 12; sleep 0.3; \
                  printf '%s\\n' \"$GITHUB_TOKEN\" | tail -c +13; \
                  echo \"on stderr $GITHUB_TOKEN\" >&2; echo \"agent $OPENAI_API_KEY\"";
    let out = till_run(
        &home,
        &work,
        &["--key", "gh", "--key", "oa", "--", "sh", "-c", script],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(text, "token: <till:gh>\n<till:gh>\nagent <till:oa>\n");
    assert!(err.contains("on stderr <till:gh>\n"), "{err}");
    assert_no_value_in(&text, &ALL_VALUES, "stdout");
    assert_no_value_in(&err, &ALL_VALUES, "stderr");
    assert!(!text.contains("till_sk_"), "{text}");
}

#[test]
fn a_terminal_gets_the_raw_stream() {
    if Command::new("script").arg("--version").output().is_err() {
        panic!("`script` (bsdutils / util-linux) is needed for the pseudo-terminal test");
    }
    let home = home_with_keys();
    let work = Work::new();
    std::fs::write(
        work.path("run.sh"),
        "printf '%s\\n' \"$PW\" | \"$TILL\" --home \"$ROOT\" --password-stdin run --key gh \
         -- sh -c 'printf \"\\033[32m%s\\033[0m\\n\" \"$GITHUB_TOKEN\"'\n",
    )
    .unwrap();
    let out = Command::new("script")
        .args(["-qfec", "sh run.sh", "/dev/null"])
        .current_dir(work.dir.path())
        .env("PW", PASSWORD)
        .env("TILL", env!("CARGO_BIN_EXE_till"))
        .env("ROOT", home.root())
        .env("TILL_KDF", "floor")
        .env_remove("TILL_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("\x1b[32m{GITHUB}\x1b[0m")),
        "a terminal sees the value with its colours: {text:?}"
    );
}

#[test]
fn ctrl_c_on_a_terminal_reaches_the_child_once() {
    let home = home_with_keys();
    let work = Work::new();
    std::fs::write(
        work.path("run.sh"),
        "printf '%s\\n' \"$PW\" | exec \"$TILL\" --home \"$ROOT\" --password-stdin run \
         --key gh -- python3 -c \"$CHILD\"\n",
    )
    .unwrap();
    // Counts every SIGINT as it arrives (a shell's trap would merge two into one).
    let child = "import signal, time, pathlib\n\
                 count = pathlib.Path('count')\n\
                 signal.signal(signal.SIGINT, lambda *_: count.open('a').write('int\\n'))\n\
                 pathlib.Path('ready').touch()\n\
                 for _ in range(200): time.sleep(0.01)\n";
    let mut script = Command::new("script")
        .args(["-qfec", "sh run.sh", "/dev/null"])
        .current_dir(work.dir.path())
        .env("CHILD", child)
        .env("PW", PASSWORD)
        .env("TILL", env!("CARGO_BIN_EXE_till"))
        .env("ROOT", home.root())
        .env("TILL_KDF", "floor")
        .env_remove("TILL_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(|| work.exists("ready"), "the child to start");
    let mut keyboard = script.stdin.take().unwrap();
    keyboard.write_all(b"\x03").unwrap();
    wait_for(|| work.exists("count"), "the child to see Ctrl-C");
    std::thread::sleep(Duration::from_millis(500));
    drop(keyboard);
    let _ = finish(script);
    assert_eq!(
        work.read("count"),
        "int\n",
        "once from the terminal, not again from till"
    );
}

/// Errors that must stop a run before the command starts.
fn assert_refused(out: &Output, work: &Work, status: i32, expect: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(status), "{err}");
    assert!(err.contains(expect), "expected '{expect}' in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!work.exists("marker"), "the child ran: {err}");
    assert_no_value_in(&err, &ALL_VALUES, "the error");
    assert!(
        work.fake_log().is_empty(),
        "nothing minted: {}",
        work.fake_log()
    );
}

const MARK: [&str; 4] = ["--", "sh", "-c", "touch marker"];

fn with_mark<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().chain(MARK).collect()
}

#[test]
fn unknown_keys_uncovered_scopes_and_bad_references_start_nothing() {
    let home = home_with_keys();
    let work = Work::new();
    let out = till_run(&home, &work, &with_mark(&["--key", "nope"]), "");
    assert_refused(&out, &work, 12, "no key named 'nope'");
    let out = till_run(
        &home,
        &work,
        &with_mark(&["--env", "T=till://nope", "--key", "oa"]),
        "",
    );
    assert_refused(&out, &work, 12, "no key named 'nope'");
    let out = till_run(
        &home,
        &work,
        &with_mark(&["--scope", "stripe:charges:write"]),
        "",
    );
    assert_refused(&out, &work, 14, "stripe:charges:write");
    let out = till_run(
        &home,
        &work,
        &with_mark(&["--scope", "slack:chat:write"]),
        "",
    );
    assert_refused(&out, &work, 14, "slack");
    let out = till_run(&home, &work, &with_mark(&["--env", "T=till://scope/"]), "");
    assert_refused(&out, &work, 14, "till://NAME");
    std::fs::write(work.path("bad.env"), "OK=1\n\nthis line is wrong\n").unwrap();
    let out = till_run(&home, &work, &with_mark(&["--env-file", "bad.env"]), "");
    assert_refused(&out, &work, 14, "bad.env line 3: expected NAME=value");
    let out = till_run(
        &home,
        &work,
        &["--key", "gh", "--", "no-such-command-x"],
        "",
    );
    assert_refused(&out, &work, 127, "command not found: no-such-command-x");
}

#[test]
fn a_locked_vault_with_no_terminal_starts_nothing() {
    let home = home_with_keys();
    let work = Work::new();
    let out = home
        .command(&["run", "--key", "gh", "--", "sh", "-c", "touch marker"])
        .current_dir(work.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_refused(&out, &work, 9, "pass it with --password-stdin");
}

#[test]
fn dry_run_prints_names_and_caps_never_a_value() {
    let home = home_with_keys();
    let work = Work::new();
    std::fs::write(work.path("app.env"), "PAYMENTS=till://stripe\n").unwrap();
    let out = till_run(
        &home,
        &work,
        &with_mark(&[
            "--dry-run",
            "--key",
            "gh",
            "--key",
            "oa",
            "--env-file",
            "app.env",
            "--max-calls",
            "9",
        ]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "GITHUB_TOKEN",
        "real key 'gh' (github)",
        "PAYMENTS",
        "real key 'stripe' (stripe)",
        "OPENAI_API_KEY",
        "agent key for 'oa' (openai), through the gateway",
        "OPENAI_BASE_URL",
        "9 calls, 2000000 tokens, $5.00, expires after 8h",
    ] {
        assert!(text.contains(expected), "missing '{expected}': {text}");
    }
    assert_no_value_in(&text, &ALL_VALUES, "--dry-run");
    assert!(!work.exists("marker"));
    assert!(work.fake_log().is_empty());
}

#[test]
fn every_run_is_audited_with_the_command_name_and_never_its_arguments() {
    let home = home_with_keys();
    let work = Work::new();
    let out = till_run(
        &home,
        &work,
        &[
            "--key",
            "gh",
            "--key",
            "oa",
            "--",
            "sh",
            "-c",
            "true secret-argument-xyz",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stdout(&home.with_password(&["log", "--json"], ""));
    let entries: serde_json::Value = serde_json::from_str(&log).unwrap();
    let runs: Vec<&serde_json::Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "run")
        .collect();
    let details: Vec<&str> = runs.iter().filter_map(|e| e["detail"].as_str()).collect();
    assert!(
        details.contains(&"injected as GITHUB_TOKEN into `sh` by till run"),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.starts_with("started `sh` with")
            && d.contains("'oa' as agent key grant-1 in OPENAI_API_KEY")
            && d.contains("'gh' as real key in GITHUB_TOKEN")),
        "{details:?}"
    );
    assert!(!log.contains("secret-argument-xyz"), "{log}");
    assert_no_value_in(&log, &ALL_VALUES, "the audit log");
}
