//! `--sarif`: SARIF 2.1.0, the format GitHub code scanning and editors read, with one
//! rule per kind of finding and one result per finding (relative path and line).

use serde_json::{json, Value};

use crate::{Finding, Kind};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn rule(kind: Kind) -> Value {
    let (name, short, help, level) = match kind {
        Kind::VaultKey => (
            "VaultKeyLeaked",
            "A key from your Till vault is in this file",
            "Rotate the key now (till rotate NAME), then remove it from the file and, if committed, from the history.",
            "error",
        ),
        Kind::UnknownKey => (
            "UnknownKeyLeaked",
            "A provider API key that Till does not manage is in this file",
            "Add the key to Till (till add) or revoke it in the provider's console, then remove it from the file.",
            "error",
        ),
        Kind::TillToken => (
            "TillTokenLeaked",
            "A Till agent token is in this file",
            "Revoke the token (till agent revoke), then remove it from the file.",
            "error",
        ),
    };
    json!({
        "id": kind.as_str(),
        "name": name,
        "shortDescription": { "text": short },
        "fullDescription": { "text": short },
        "help": { "text": help },
        "defaultConfiguration": { "level": level },
    })
}

fn message(finding: &Finding) -> String {
    let encoded = match finding.encoding {
        crate::Encoding::Raw => String::new(),
        other => format!(" ({})", other.as_str()),
    };
    match (&finding.kind, &finding.key) {
        (Kind::VaultKey, Some(key)) => format!(
            "The vault key \"{key}\" ({}, {}) is here{encoded}: rotate it now with till rotate.",
            finding.provider, finding.fingerprint
        ),
        (Kind::TillToken, _) => format!(
            "A Till agent token ({}) is here{encoded}: revoke it with till agent revoke.",
            finding.fingerprint
        ),
        _ => format!(
            "A {} key not in Till ({}) is here{encoded}: add it to Till or revoke it.",
            finding.provider, finding.fingerprint
        ),
    }
}

/// The SARIF log for these findings.
pub fn sarif(findings: &[Finding], version: &str) -> Value {
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.kind.as_str(),
                "ruleIndex": index,
                "level": "error",
                "message": { "text": message(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.relative_path, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": f.line },
                    }
                }],
            });
            if let Some(commit) = &f.commit {
                result["properties"] = json!({ "commit": commit });
            }
            result
        })
        .collect();
    json!({
        "version": "2.1.0",
        "$schema": SCHEMA,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "till scan",
                    "version": version,
                    "informationUri": "https://example.invalid/till",
                    "rules": Kind::ALL.iter().map(|k| rule(*k)).collect::<Vec<_>>(),
                }
            },
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_follows_sarif_2_1_0() {
        let finding = Finding {
            path: "./repo/.env".into(),
            line: 2,
            kind: Kind::TillToken,
            key: None,
            provider: "till".into(),
            fingerprint: "till_…abcd".into(),
            encoding: crate::Encoding::Raw,
            commit: None,
            relative_path: ".env".into(),
        };
        let log = sarif(&[finding], "0.1.0");
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 3);
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "till_token");
        assert_eq!(
            run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "till_token"
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], ".env");
        assert_eq!(location["region"]["startLine"], 2);
    }
}
