//! `till team` as a team lead uses it: check a committed team file against the vault
//! (exit 0 compliant, 1 violations, 2 bad file), fix a key and see it turn green, adopt
//! the file, tick a manual item, and export the report.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod support;

use support::{stderr, stdout, Home};

const TEAM_FILE: &str = r#"[team]
name = "Payments"

[[policy]]
id = "prod-owners"
description = "Every prod key has an owner"
rule = "owner_required"
environments = ["prod"]

[[policy]]
id = "prod-rotation"
rule = "max_age_days"
days = 90
environments = ["prod"]

[[checklist]]
id = "quarterly-audit"
title = "Quarterly key audit"
  [[checklist.item]]
  text = "No key grants full access"
  rule = "no_full_access"
  [[checklist.item]]
  text = "Review who can reach the provider consoles"
"#;

fn home_with_keys() -> Home {
    let home = Home::new();
    home.init();
    for (name, env, scope, value) in [
        (
            "Stripe prod",
            "prod",
            "stripe:charges:read",
            "rk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
        (
            "GitHub dev",
            "dev",
            "github:contents:read",
            "ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        ),
    ] {
        let out = home.with_password(
            &["add", name, "--env", env, "--scope", scope, "--value-stdin"],
            value,
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    home
}

fn write(home: &Home, name: &str, text: &str) -> String {
    let path = home.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn check_lists_the_keys_that_break_a_policy_and_fixing_one_turns_it_green() {
    let home = home_with_keys();
    let file = write(&home, "till-team.toml", TEAM_FILE);
    let out = home.with_password(&["team", "check", &file], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Payments: NOT compliant"), "{text}");
    assert!(text.contains("FAIL  Every prod key has an owner"), "{text}");
    assert!(text.contains("Stripe prod has no owner"), "{text}");
    assert!(
        !text.contains("GitHub dev has no owner"),
        "dev keys are not in scope: {text}"
    );
    assert!(
        text.contains("open  Review who can reach the provider consoles"),
        "{text}"
    );

    let json: serde_json::Value = serde_json::from_str(&stdout(
        &home.with_password(&["team", "check", &file, "--json"], ""),
    ))
    .unwrap();
    assert_eq!(json["compliant"], false);
    assert_eq!(
        json["policies"][0]["status"]["findings"][0]["fix"],
        "set_owner"
    );

    let fixed = home.with_password(&["edit", "Stripe prod", "--owner", "ada"], "");
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    let out = home.with_password(&["team", "check", &file], "");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("Payments: compliant"));
    assert!(
        stdout(&out).contains("1 manual item(s) open"),
        "open items do not fail it"
    );
}

#[test]
fn a_bad_file_exits_2_with_every_problem_and_its_place() {
    let home = home_with_keys();
    let file = write(
        &home,
        "bad.toml",
        "[team]\nname = \"P\"\n[[policy]]\nid = \"a\"\nrule = \"max_age_dayz\"\n[[policy]]\nid = \"b\"\nrule = \"max_age_days\"\n",
    );
    let out = home.with_password(&["team", "check", &file], "");
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("bad.toml:5:8: unknown rule 'max_age_dayz'"),
        "{text}"
    );
    assert!(
        text.contains("bad.toml:8:8: max_age_days needs `days = N`"),
        "{text}"
    );
    let missing = home.with_password(&["team", "check", "/nonexistent/team.toml"], "");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn apply_adopts_the_file_manual_items_are_ticked_by_name_and_the_report_exports() {
    let home = home_with_keys();
    let file = write(&home, "till-team.toml", TEAM_FILE);
    let out = home.with_password(&["team", "apply", &file], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Adopted 'Payments': 2 policies, 1 checklists"));

    let tick = home.with_password(
        &[
            "team",
            "tick",
            "quarterly-audit",
            "Review who can reach the provider consoles",
            "--by",
            "Grace",
        ],
        "",
    );
    assert!(tick.status.success(), "{}", stderr(&tick));
    let self_checking = home.with_password(
        &[
            "team",
            "tick",
            "quarterly-audit",
            "No key grants full access",
            "--by",
            "Grace",
        ],
        "",
    );
    assert_eq!(self_checking.status.code(), Some(14));
    assert!(stderr(&self_checking).contains("checks itself"));

    // Without FILE, the adopted one is checked; the tick shows with its name.
    let markdown = stdout(&home.with_password(&["team", "check", "--markdown"], ""));
    assert!(
        markdown.starts_with("# Payments: key compliance"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "- [x] Review who can reach the provider consoles (ticked by Grace on 2026-11-27)"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains("  - **Stripe prod** has no owner"),
        "{markdown}"
    );
    let log = stdout(&home.with_password(&["log"], ""));
    assert!(log.contains("team file adopted: Payments"), "{log}");
    assert!(log.contains("ticked by Grace"), "{log}");
}

#[test]
fn built_in_checklists_check_the_inventory_and_lessons_track_progress() {
    let home = home_with_keys();
    let out = home.with_password(&["team", "check", "--builtin"], "");
    let text = stdout(&out);
    assert!(text.contains("Quarterly"), "{text}");
    assert!(text.contains("Stripe prod has no owner"), "{text}");
    assert_eq!(out.status.code(), Some(1));

    let lessons: serde_json::Value =
        serde_json::from_str(&stdout(&home.with_password(&["lessons", "--json"], ""))).unwrap();
    let all = lessons.as_array().unwrap();
    assert!(all.len() >= 8);
    assert!(all.iter().all(|l| l["completed_at"].is_null()));
    let first = all[0]["id"].as_str().unwrap().to_owned();
    let done = home.with_password(&["lessons", "done", &first], "");
    assert!(done.status.success(), "{}", stderr(&done));
    let text = stdout(&home.with_password(&["lessons"], ""));
    assert!(
        text.starts_with(&format!("1 of {} lessons done", all.len())),
        "{text}"
    );
    assert!(text.contains(&format!("[x] {first}")), "{text}");
    let unknown = home.with_password(&["lessons", "done", "no-such-lesson"], "");
    assert_eq!(unknown.status.code(), Some(14));
}

#[test]
fn no_hardcoded_keys_scans_the_named_folders_and_names_the_keys_redacted() {
    let home = home_with_keys();
    let repo = home.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("services/api")).unwrap();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    let value = "rk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    std::fs::write(
        repo.join("services/api/.env"),
        format!("PORT=8080\nSTRIPE_KEY={value}\n"),
    )
    .unwrap();
    std::fs::write(
        repo.join("docs/setup.md"),
        "Read STRIPE_KEY from the env.\n",
    )
    .unwrap();
    let file = repo.join("till-team.toml");
    let rule = |paths: &str| {
        format!(
            "[team]\nname = \"Shop\"\n[[policy]]\nid = \"no-keys\"\ndescription = \"No keys in the repo\"\nrule = \"no_hardcoded_keys\"\npaths = [{paths}]\n"
        )
    };

    std::fs::write(&file, rule("\"services\", \"docs\"")).unwrap();
    let out = home.with_password(&["team", "check", &file.to_string_lossy()], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FAIL  No keys in the repo"), "{text}");
    assert!(text.contains("Stripe prod (rk_…aaaa)"), "{text}");
    assert!(text.contains("services/api/.env:2"), "{text}");
    assert!(
        !text.contains(value) && !stderr(&out).contains(value),
        "{text}"
    );

    // The docs alone are clean; a path that does not exist says so.
    std::fs::write(&file, rule("\"docs\"")).unwrap();
    let out = home.with_password(&["team", "check", &file.to_string_lossy()], "");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    std::fs::write(&file, rule("\"nowhere\"")).unwrap();
    let out = home.with_password(&["team", "check", &file.to_string_lossy()], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nowhere could not be scanned"),
        "{}",
        stdout(&out)
    );
}
