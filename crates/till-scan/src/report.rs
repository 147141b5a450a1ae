//! What a person reads: one line per finding (`path:line: kind provider [key] fingerprint`)
//! and the one next step that kind of leak calls for; and `--json` for scripts.
//!
//! Every field printed comes from a [`Finding`], which holds no value by construction.

use std::fmt::Write;

use crate::{Finding, Kind};

/// The next step for a finding, in one line. `console_url` is where the provider's keys
/// are revoked, if the catalog knows.
pub fn next_step(finding: &Finding, console_url: Option<&str>) -> String {
    let from = if finding.commit.is_some() {
        "then purge it from the git history"
    } else {
        "then remove it from the file"
    };
    match finding.kind {
        Kind::VaultKey => {
            let name = finding.key.as_deref().unwrap_or("KEY");
            format!(
                "rotate it now: till rotate {} --value-stdin (with the new value from the provider), {from}",
                shell_word(name)
            )
        }
        Kind::UnknownKey => {
            let at = console_url.map_or_else(
                || format!("at {}", finding.provider),
                |url| format!("at {url}"),
            );
            format!(
                "add it to Till (till add NAME --provider {} --value-stdin) or revoke it {at}, {from}",
                finding.provider
            )
        }
        Kind::TillToken => format!(
            "revoke it: till agent revoke {} (agents using it stop at once), {from}",
            finding.fingerprint
        ),
    }
}

/// The human report: each finding and its next step.
pub fn human(findings: &[Finding], console_url: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for finding in findings {
        let _ = write!(out, "{}:{}: ", finding.path, finding.line);
        if let Some(commit) = &finding.commit {
            let short = commit.get(..12).unwrap_or(commit);
            let _ = write!(out, "(commit {short}) ");
        }
        let _ = write!(out, "{} {}", finding.kind.as_str(), finding.provider);
        if let Some(key) = &finding.key {
            let _ = write!(out, " \"{key}\"");
        }
        let _ = write!(out, " {}", finding.fingerprint);
        if finding.encoding != crate::Encoding::Raw {
            let _ = write!(out, " ({})", finding.encoding.as_str());
        }
        let url = console_url(&finding.provider);
        let _ = writeln!(out, "\n  → {}", next_step(finding, url.as_deref()));
    }
    out
}

/// `--json`: an array of findings (`path`, `line`, `kind`, `key` for vault keys,
/// `provider`, `fingerprint`, `encoding`, and `commit` for history findings).
pub fn json(findings: &[Finding]) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(findings)
}

/// A name quoted for a shell if it needs it.
fn shell_word(name: &str) -> String {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Encoding;

    fn finding(kind: Kind, key: Option<&str>) -> Finding {
        Finding {
            path: "src/app.py".into(),
            line: 3,
            kind,
            key: key.map(str::to_owned),
            provider: "stripe".into(),
            fingerprint: "sk_…WXYZ".into(),
            encoding: Encoding::Base64,
            commit: None,
            relative_path: "src/app.py".into(),
        }
    }

    #[test]
    fn each_kind_has_its_next_step() {
        let text = human(
            &[
                finding(Kind::VaultKey, Some("Stripe prod")),
                finding(Kind::UnknownKey, None),
                finding(Kind::TillToken, None),
            ],
            |_| Some("https://dashboard.stripe.com/apikeys".into()),
        );
        assert!(text.contains("src/app.py:3: vault_key stripe \"Stripe prod\" sk_…WXYZ (base64)"));
        assert!(text.contains("till rotate 'Stripe prod' --value-stdin"));
        assert!(text.contains("revoke it at https://dashboard.stripe.com/apikeys"));
        assert!(text.contains("till agent revoke sk_…WXYZ"));
        assert_eq!(text.lines().count(), 6, "{text}");
    }

    #[test]
    fn json_has_key_only_for_vault_keys() {
        let text = json(&[
            finding(Kind::VaultKey, Some("A")),
            finding(Kind::UnknownKey, None),
        ])
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value[0]["key"], "A");
        assert_eq!(value[0]["kind"], "vault_key");
        assert!(value[1].get("key").is_none());
        assert!(value[1].get("commit").is_none());
        assert!(value[1].get("relative_path").is_none());
    }
}
