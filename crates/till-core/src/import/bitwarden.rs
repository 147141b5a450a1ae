//! Bitwarden's unencrypted JSON export (`{"encrypted": false, "items": [...]}`).

use serde::Deserialize;

use super::ImportPreview;
use crate::error::TillError;

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    name: Option<String>,
    notes: Option<String>,
    login: Option<Login>,
    #[serde(default)]
    fields: Vec<Field>,
}

#[derive(Deserialize)]
struct Login {
    password: Option<String>,
}

#[derive(Deserialize)]
struct Field {
    value: Option<String>,
    /// 0 text, 1 hidden, 2 boolean, 3 linked.
    #[serde(rename = "type", default)]
    kind: u8,
}

/// Parses the export. The value is the login password, else the first hidden custom
/// field. Problems are numbered by item (1 = first item).
pub fn parse(text: &str) -> Result<ImportPreview, TillError> {
    let export: Export = serde_json::from_str(text).map_err(|e| TillError::InvalidInput {
        what: format!(
            "line {} column {}: not a Bitwarden JSON export ({})",
            e.line(),
            e.column(),
            e
        ),
    })?;
    if export.encrypted {
        return Err(TillError::InvalidInput {
            what: "this Bitwarden export is encrypted: export again as unencrypted JSON, import \
                   it, then delete that file"
                .into(),
        });
    }
    let mut preview = ImportPreview::default();
    for (index, item) in export.items.into_iter().enumerate() {
        let position = index + 1;
        let name = item.name.unwrap_or_default();
        let value = item
            .login
            .and_then(|l| l.password)
            .filter(|p| !p.is_empty())
            .or_else(|| {
                item.fields
                    .iter()
                    .find(|f| f.kind == 1 && f.value.as_deref().is_some_and(|v| !v.is_empty()))
                    .and_then(|f| f.value.clone())
            });
        match value {
            Some(value) => preview.offer(position, &name, value, item.notes, Vec::new()),
            None => preview.problem(
                position,
                format!("item '{name}' has no password or hidden field to import"),
            ),
        }
    }
    Ok(preview)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn takes_the_password_or_a_hidden_field() {
        let text = r#"{"encrypted": false, "items": [
            {"type": 1, "name": "GitHub CI", "notes": null,
             "login": {"username": "ci", "password": "ghp_0123456789abcdef0123456789abcdefABCD"}},
            {"type": 2, "name": "Anthropic", "notes": "team key",
             "fields": [{"name": "label", "value": "x", "type": 0},
                        {"name": "api key", "value": "sk-ant-api03-secret-value", "type": 1}]},
            {"type": 2, "name": "Just a note", "notes": "nothing secret"}
        ]}"#;
        let preview = parse(text).unwrap();
        assert_eq!(preview.candidates.len(), 2);
        assert_eq!(
            preview.candidates[1].key.value.expose_secret(),
            "sk-ant-api03-secret-value"
        );
        assert_eq!(preview.candidates[1].key.notes.as_deref(), Some("team key"));
        assert_eq!(preview.problems[0].line, 3);
    }

    #[test]
    fn encrypted_and_malformed_exports_are_explained() {
        let err = parse(r#"{"encrypted": true, "items": []}"#).unwrap_err();
        assert!(err.to_string().contains("unencrypted"), "{err}");
        let err = parse("{\"items\": [\n  {\"name\": }\n]}").unwrap_err();
        assert!(err.to_string().starts_with("line 2 column"), "{err}");
    }
}
