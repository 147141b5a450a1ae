//! `till scan` on real files and real git repositories: a generated repository with vault
//! keys in every form, unknown keys, an agent token, decoys and ignored files; `--staged`
//! and `--git-history` around a key added then removed; the pre-commit hook; the JSON and
//! SARIF shapes. No planted value may appear anywhere in the output.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{stderr, stdout, Home, PASSWORD};

const STRIPE: &str = "sk_live_51HqT9vKc2LmX9pRz7YbJ3sHd6FgQ1aE8wN4u";
const OPENAI: &str = "sk-proj-T4nq8WvKc2LmX9pRz7YbJ3sHd6FgQ1aE_k0-Vw5uR2t";
const LEGACY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYq8Zt3mQ";
const GITHUB: &str = "ghp_Vq3mX8kL2pN7rT4wY9bC6dF1gH5jK0sZa2Qe";

const UNKNOWN_OPENAI: &str = "sk-proj-Hn2Kq9Lw4Xz7Bc1Vm5Nr8Tp3Ys6Df0Gj_a-Ue4Wi9";
const UNKNOWN_GITHUB: &str = "ghp_Pz4Qw8Er2Ty6Ui0Op3As7Df1Gh5Jk9Lz1Xc3";
const UNKNOWN_STRIPE: &str = "sk_live_Rt5Yu1Io9Pa3Sd7Fg2Hj6Kl0Zx4Cv";
const UNKNOWN_AWS: &str = "AKIAQ7Z3N5R8T2W4Y6B1";
const UNKNOWN_SLACK: &str = "xoxb-283749201846-5018273645091-Mn4Bv8Cx2Zl6Kj0Hg3Fd7Sa1";
const AGENT: &str = "till_sk_Qe7Rt2Yu6Io1Pa5Sd9Fg3Hj8Kl4Zx0Cv2Bn6Mq1Wk5";

fn base64(text: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, &b)| a | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A home with a vault holding the four keys.
fn home_with_vault() -> Home {
    let home = Home::new();
    home.init();
    for (name, provider, value) in [
        ("Stripe prod", "stripe", STRIPE),
        ("OpenAI team", "openai", OPENAI),
        ("Legacy partner", "generic", LEGACY),
        ("GitHub deploy", "github", GITHUB),
    ] {
        let out = home.with_password(
            &["add", name, "--provider", provider, "--value-stdin"],
            value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    home
}

/// `till --home … ARGS` in `dir`, with the password on stdin if asked.
fn till(home: &Home, dir: &Path, args: &[&str], password: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_till"));
    command
        .arg("--home")
        .arg(home.root())
        .args(if password {
            &["--password-stdin"][..]
        } else {
            &[]
        })
        .args(args)
        .current_dir(dir)
        .env("HOME", home.dir.path())
        .env("TILL_KDF", "floor")
        .env_remove("TILL_HOME");
    git_env(&mut command, home.dir.path());
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = if password {
        format!("{PASSWORD}\n")
    } else {
        String::new()
    };
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes());
    child.wait_with_output().unwrap()
}

fn git_env(command: &mut Command, home: &Path) {
    command
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
}

fn git(home: &Home, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new("git");
    command.args(args).current_dir(dir);
    git_env(&mut command, home.dir.path());
    command.output().unwrap()
}

fn git_ok(home: &Home, dir: &Path, args: &[&str]) -> String {
    let out = git(home, dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_owned()
}

fn new_repo(home: &Home) -> PathBuf {
    let repo = home.dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git_ok(home, &repo, &["init", "-q", "-b", "main"]);
    repo
}

/// Every value and encoding planted, for the "never printed" check.
fn planted() -> Vec<String> {
    let mut all: Vec<String> = [
        STRIPE,
        OPENAI,
        LEGACY,
        GITHUB,
        UNKNOWN_OPENAI,
        UNKNOWN_GITHUB,
        UNKNOWN_STRIPE,
        UNKNOWN_AWS,
        UNKNOWN_SLACK,
        AGENT,
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    all.extend([base64(GITHUB), base64(STRIPE), url_encode(LEGACY)]);
    all
}

/// No planted value, nor any 10-character piece of one, is in `text`.
fn assert_no_value(text: &str) {
    for value in planted() {
        let chars: Vec<char> = value.chars().collect();
        for window in chars.windows(10) {
            let piece: String = window.iter().collect();
            assert!(
                !text.contains(&piece),
                "output shows '{piece}' of a planted value:\n{text}"
            );
        }
    }
}

fn generated_repo(home: &Home) -> PathBuf {
    let repo = new_repo(home);
    let mut one_changed = STRIPE.to_owned();
    one_changed.replace_range(20..21, "Q");
    write(
        &repo,
        "src/billing.py",
        &format!("import stripe\n\nstripe.api_key = \"{STRIPE}\"\n"),
    );
    write(
        &repo,
        ".env",
        &format!("DEBUG=1\nOPENAI_API_KEY={OPENAI}\n"),
    );
    write(
        &repo,
        "k8s/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  GITHUB_TOKEN: {}\n  STRIPE: {}\n",
            base64(GITHUB),
            base64(STRIPE)
        ),
    );
    write(
        &repo,
        "scripts/call.sh",
        &format!(
            "#!/bin/sh\ncurl \"https://partner.example.com/v1/orders?api_key={}&limit=10\"\n",
            url_encode(LEGACY)
        ),
    );
    write(
        &repo,
        "config/settings.json",
        &format!(
            "{{\n  \"openai\": \"{}\",\n  \"legacy_secret\": \"{}\"\n}}\n",
            OPENAI.replace('-', "\\u002d"),
            LEGACY.replace('/', "\\/")
        ),
    );
    write(
        &repo,
        "docs/unknown.md",
        &format!(
            "openai: {UNKNOWN_OPENAI}\ngithub: {UNKNOWN_GITHUB}\nstripe: {UNKNOWN_STRIPE}\naws_access_key_id = {UNKNOWN_AWS}\nslack: {UNKNOWN_SLACK}\nagent: {AGENT}\n"
        ),
    );
    write(
        &repo,
        "src/decoys.py",
        &format!(
            "changed = \"{one_changed}\"\ntruncated = \"{}\"\nOPENAI_API_KEY = \"sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\"\napi_key = \"your-api-key\"\nSTRIPE = \"sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\nrequest_id = \"6f1c2a9e-4b7d-4e8f-9a0b-1c2d3e4f5a6b\"\ncommit = \"3f786850e387550fdab836ed7e6dc881de23001b\"\nallowed = \"{STRIPE}\"  # till:allow\n",
            &STRIPE[..20]
        ),
    );
    write(&repo, ".gitignore", "secrets.local\n");
    write(&repo, "secrets.local", &format!("STRIPE={STRIPE}\n"));
    write(&repo, ".tillignore", "fixtures/\n");
    write(
        &repo,
        "fixtures/keys.env",
        &format!("GITHUB={GITHUB}\nagent={AGENT}\n"),
    );
    repo
}

fn findings(out: &Output) -> Vec<(String, u64, String, Option<String>)> {
    let value: Value =
        serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_owned(),
                f["key"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn a_generated_repository_gives_every_real_finding_and_no_value() {
    let home = home_with_vault();
    let repo = generated_repo(&home);
    let out = till(&home, &repo, &["scan", "--json"], true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = findings(&out);
    let v = |path: &str, line, key: &str| {
        (
            path.to_owned(),
            line,
            "vault_key".to_owned(),
            Some(key.to_owned()),
        )
    };
    let k = |path: &str, line, kind: &str| (path.to_owned(), line, kind.to_owned(), None);
    let expected = vec![
        v(".env", 2, "OpenAI team"),
        v("config/settings.json", 2, "OpenAI team"),
        v("config/settings.json", 3, "Legacy partner"),
        k("docs/unknown.md", 1, "unknown_key"),
        k("docs/unknown.md", 2, "unknown_key"),
        k("docs/unknown.md", 3, "unknown_key"),
        k("docs/unknown.md", 4, "unknown_key"),
        k("docs/unknown.md", 5, "unknown_key"),
        k("docs/unknown.md", 6, "till_token"),
        v("k8s/secret.yaml", 7, "GitHub deploy"),
        v("k8s/secret.yaml", 8, "Stripe prod"),
        v("scripts/call.sh", 2, "Legacy partner"),
        v("src/billing.py", 3, "Stripe prod"),
        // The decoy with one character changed is a real Stripe format, not a vault key.
        k("src/decoys.py", 1, "unknown_key"),
    ];
    assert_eq!(got, expected);
    assert_no_value(&stdout(&out));
    assert_no_value(&stderr(&out));

    let value: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let providers: Vec<&str> = value.as_array().unwrap()[3..9]
        .iter()
        .map(|f| f["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        ["openai", "github", "stripe", "aws", "slack", "till"]
    );
    let encodings: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["encoding"].as_str().unwrap())
        .collect();
    assert_eq!(&encodings[..3], ["raw", "json", "json"]);
    assert_eq!(&encodings[9..12], ["base64", "base64", "url"]);

    // The human report: each kind's next step, and still no value.
    let human = till(&home, &repo, &["scan"], true);
    assert_eq!(human.status.code(), Some(1));
    let text = stdout(&human);
    assert!(
        text.contains("src/billing.py:3: vault_key stripe \"Stripe prod\" sk_…"),
        "{text}"
    );
    assert!(
        text.contains("rotate it now: till rotate 'Stripe prod'"),
        "{text}"
    );
    assert!(
        text.contains("revoke it at https://dashboard.stripe.com/apikeys"),
        "{text}"
    );
    assert!(text.contains("revoke it: till agent revoke"), "{text}");
    assert_no_value(&text);
    assert_no_value(&stderr(&human));
}

#[test]
fn without_a_vault_formats_and_tokens_are_still_found() {
    let home = Home::new();
    let repo = generated_repo(&home);
    let out = till(&home, &repo, &["scan", "--json"], false);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("vault matching skipped"),
        "{}",
        stderr(&out)
    );
    let got = findings(&out);
    assert!(got.iter().all(|f| f.2 != "vault_key"));
    assert!(got
        .iter()
        .any(|f| f.0 == "src/billing.py" && f.2 == "unknown_key"));
    assert!(got.iter().any(|f| f.2 == "till_token"));
    assert_no_value(&stdout(&out));
    assert_no_value(&stderr(&out));

    // A vault that cannot be opened without a prompt is skipped the same way.
    home.init();
    let out = till(&home, &repo, &["scan", "--json"], false);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("vault matching skipped"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn clean_trees_exit_0_and_bad_paths_exit_2() {
    let home = Home::new();
    let dir = home.dir.path().join("clean");
    write(
        &dir,
        "main.rs",
        "fn main() { let api_key = std::env::var(\"API_KEY\"); }\n",
    );
    let out = till(&home, &dir, &["scan", "."], false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no keys found"));
    let out = till(&home, &dir, &["scan", "does-not-exist"], false);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = till(&home, &dir, &["scan", "--json", "--sarif"], false);
    assert_eq!(out.status.code(), Some(2));
    // Files over --max-size are skipped and counted.
    write(
        &dir,
        "big.txt",
        &format!("{}\nk={AGENT}\n", "x".repeat(4096)),
    );
    let out = till(&home, &dir, &["scan", "--max-size", "1000"], false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 over the size limit"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn staged_and_history_find_a_key_added_then_removed() {
    let home = home_with_vault();
    let repo = new_repo(&home);
    write(&repo, "app.py", "print('hello')\n");
    git_ok(&home, &repo, &["add", "."]);
    git_ok(&home, &repo, &["commit", "-qm", "start"]);
    write(
        &repo,
        "app.py",
        &format!("print('hello')\nSTRIPE_KEY = \"{STRIPE}\"\n"),
    );
    git_ok(&home, &repo, &["add", "app.py"]);

    let staged = till(&home, &repo, &["scan", "--staged", "--json"], true);
    assert_eq!(staged.status.code(), Some(1), "{}", stderr(&staged));
    assert_eq!(
        findings(&staged),
        [(
            "app.py".to_owned(),
            2,
            "vault_key".to_owned(),
            Some("Stripe prod".to_owned())
        )]
    );

    git_ok(&home, &repo, &["commit", "-qm", "add the key"]);
    let leaked_in = git_ok(&home, &repo, &["rev-parse", "HEAD"]);
    write(
        &repo,
        "app.py",
        "import os\nSTRIPE_KEY = os.environ[\"STRIPE_KEY\"]\n",
    );
    git_ok(&home, &repo, &["commit", "-qam", "remove the key"]);

    let plain = till(&home, &repo, &["scan"], true);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}{}",
        stdout(&plain),
        stderr(&plain)
    );
    let staged = till(&home, &repo, &["scan", "--staged"], true);
    assert_eq!(staged.status.code(), Some(0), "{}", stderr(&staged));

    let history = till(&home, &repo, &["scan", "--git-history", "--json"], true);
    assert_eq!(history.status.code(), Some(1), "{}", stderr(&history));
    let value: Value = serde_json::from_str(&stdout(&history)).unwrap();
    let all = value.as_array().unwrap();
    assert_eq!(all.len(), 1, "{value}");
    assert_eq!(all[0]["path"], "app.py");
    assert_eq!(all[0]["line"], 2);
    assert_eq!(all[0]["key"], "Stripe prod");
    assert_eq!(all[0]["commit"], leaked_in.as_str());
    let human = till(&home, &repo, &["scan", "--git-history"], true);
    assert!(
        stdout(&human).contains(&format!("app.py:2: (commit {}", &leaked_in[..12])),
        "{}",
        stdout(&human)
    );
    assert!(stdout(&human).contains("purge it from the git history"));
    for out in [&staged, &history, &human] {
        assert_no_value(&stdout(out));
        assert_no_value(&stderr(out));
    }
}

#[test]
fn staged_reports_only_the_lines_the_commit_adds() {
    let home = home_with_vault();
    let repo = new_repo(&home);
    write(&repo, "app.py", &format!("STRIPE_KEY = \"{STRIPE}\"\n"));
    git_ok(&home, &repo, &["add", "."]);
    git_ok(&home, &repo, &["commit", "-qm", "an old mistake"]);
    // A later change to the same file, elsewhere: the hook must not block it.
    write(
        &repo,
        "app.py",
        &format!("STRIPE_KEY = \"{STRIPE}\"\nprint('hello')\n"),
    );
    git_ok(&home, &repo, &["add", "app.py"]);
    let unrelated = till(&home, &repo, &["scan", "--staged"], true);
    assert_eq!(unrelated.status.code(), Some(0), "{}", stderr(&unrelated));

    // The key copied to a new line is added by this commit.
    write(
        &repo,
        "app.py",
        &format!("STRIPE_KEY = \"{STRIPE}\"\nprint('hello')\nBACKUP = \"{STRIPE}\"\n"),
    );
    git_ok(&home, &repo, &["add", "app.py"]);
    let copied = till(&home, &repo, &["scan", "--staged", "--json"], true);
    assert_eq!(copied.status.code(), Some(1), "{}", stderr(&copied));
    assert_eq!(
        findings(&copied),
        [(
            "app.py".to_owned(),
            3,
            "vault_key".to_owned(),
            Some("Stripe prod".to_owned())
        )]
    );
}

#[test]
fn the_pre_commit_hook_blocks_a_key_and_keeps_the_existing_hook() {
    let home = Home::new();
    let repo = new_repo(&home);
    let hooks = repo.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let ran = home.dir.path().join("previous-hook-ran");
    let previous = format!("#!/bin/sh\necho ran >> '{}'\n", ran.display());
    std::fs::write(hooks.join("pre-commit"), previous).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            hooks.join("pre-commit"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let dir = home.dir.path();
    for _ in 0..2 {
        let out = till(
            &home,
            dir,
            &["scan", "--install-hook", repo.to_str().unwrap()],
            false,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert!(hooks.join("pre-commit.till-previous").is_file());
    let hook = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();
    assert!(hook.contains("till scan pre-commit hook") && hook.contains("scan --staged"));

    write(
        &repo,
        "deploy.sh",
        &format!("export GITHUB_TOKEN={UNKNOWN_GITHUB}\n"),
    );
    git_ok(&home, &repo, &["add", "."]);
    let mut commit = Command::new("git");
    commit
        .args(["commit", "-m", "deploy"])
        .current_dir(&repo)
        .env("TILL_HOME", home.root());
    git_env(&mut commit, dir);
    let blocked = commit.output().unwrap();
    assert!(!blocked.status.success(), "the commit went through");
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(said.contains("deploy.sh:1: unknown_key github"), "{said}");
    assert!(said.contains("Commit blocked by till scan"), "{said}");
    assert!(
        said.contains("revoke it at https://github.com/settings/personal-access-tokens"),
        "{said}"
    );
    assert_no_value(&said);
    assert_eq!(std::fs::read_to_string(&ran).unwrap().lines().count(), 1);

    write(
        &repo,
        "deploy.sh",
        "export GITHUB_TOKEN=\"$(till get 'GitHub deploy')\"\n",
    );
    git_ok(&home, &repo, &["add", "."]);
    let allowed = commit.output().unwrap();
    assert!(
        allowed.status.success(),
        "{}{}",
        stdout(&allowed),
        stderr(&allowed)
    );
    assert_eq!(std::fs::read_to_string(&ran).unwrap().lines().count(), 2);
}

#[test]
fn json_and_sarif_have_their_shapes() {
    let home = home_with_vault();
    let repo = generated_repo(&home);
    let out = till(&home, &repo, &["scan", "--sarif"], true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "till scan");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["vault_key", "unknown_key", "till_token"]);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 14);
    for result in results {
        assert!(rules.contains(&result["ruleId"].as_str().unwrap()));
        assert_eq!(result["level"], "error");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(repo.join(uri).is_file(), "{uri}");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let billing = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/billing.py"
        })
        .unwrap();
    assert!(billing["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Stripe prod"));
    assert_no_value(&stdout(&out));

    let out = till(&home, &repo, &["scan", "--json"], true);
    let value: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for finding in value.as_array().unwrap() {
        let object = finding.as_object().unwrap();
        for field in ["path", "line", "kind", "provider", "fingerprint"] {
            assert!(object.contains_key(field), "{field} missing in {finding}");
        }
        assert_eq!(
            object.contains_key("key"),
            finding["kind"] == "vault_key",
            "{finding}"
        );
        assert!(!object.contains_key("commit"));
    }
}
