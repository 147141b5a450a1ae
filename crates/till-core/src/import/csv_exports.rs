//! CSV exports of 1Password and KeePassXC: a header row, then one item per record.
//! Columns are found by header name, so column order and extra columns do not matter.

use super::ImportPreview;
use crate::error::TillError;

struct Columns {
    name: usize,
    value: usize,
    notes: Option<usize>,
    group: Option<usize>,
}

fn find(headers: &csv::StringRecord, wanted: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| wanted.iter().any(|w| h.trim().eq_ignore_ascii_case(w)))
}

fn parse_with(
    text: &str,
    exporter: &str,
    columns: impl Fn(&csv::StringRecord) -> Option<Columns>,
) -> Result<ImportPreview, TillError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| TillError::InvalidInput {
        what: format!("line 1: the header row cannot be read as CSV ({e})"),
    })?;
    let columns = columns(headers).ok_or_else(|| TillError::InvalidInput {
        what: format!(
            "line 1: this does not look like a {exporter} CSV export (no title and password columns)"
        ),
    })?;
    let mut preview = ImportPreview::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line() as usize).unwrap_or(0);
                preview.problem(line, format!("not valid CSV: {error}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cell = |i: usize| record.get(i).unwrap_or("").to_owned();
        let name = cell(columns.name);
        let value = cell(columns.value);
        if value.trim().is_empty() {
            preview.problem(
                line,
                format!("'{}' has no password field to import", name.trim()),
            );
            continue;
        }
        let tags = columns
            .group
            .map(cell)
            .filter(|g| !g.trim().is_empty())
            .map(|g| vec![g])
            .unwrap_or_default();
        preview.offer(line, &name, value, columns.notes.map(cell), tags);
    }
    Ok(preview)
}

/// 1Password 8: `Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes`.
pub fn parse_1password(text: &str) -> Result<ImportPreview, TillError> {
    parse_with(text, "1Password", |h| {
        Some(Columns {
            name: find(h, &["title", "name"])?,
            value: find(h, &["password", "credential"])?,
            notes: find(h, &["notes", "notesplain"]),
            group: find(h, &["tags"]),
        })
    })
}

/// KeePassXC: `Group,Title,Username,Password,URL,Notes,TOTP,Icon,Last Modified,Created`.
pub fn parse_keepassxc(text: &str) -> Result<ImportPreview, TillError> {
    parse_with(text, "KeePassXC", |h| {
        Some(Columns {
            name: find(h, &["title"])?,
            value: find(h, &["password"])?,
            notes: find(h, &["notes"]),
            group: find(h, &["group"]),
        })
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn reads_a_1password_export() {
        let text = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
                    OpenAI prod,https://platform.openai.com,,sk-proj-aaaabbbbccccdddd,,false,false,ai,\"main key\nfor prod\"\n\
                    Empty one,,,,,,,,\n";
        let preview = parse_1password(text).unwrap();
        assert_eq!(preview.candidates.len(), 1);
        let key = &preview.candidates[0];
        assert_eq!(key.key.name, "OpenAI prod");
        assert_eq!(key.key.value.expose_secret(), "sk-proj-aaaabbbbccccdddd");
        assert_eq!(key.key.notes.as_deref(), Some("main key\nfor prod"));
        assert_eq!(key.key.tags, vec!["ai"]);
        assert_eq!(preview.problems.len(), 1);
        assert_eq!(
            preview.problems[0].line, 4,
            "the quoted newline makes the next record line 4"
        );
    }

    #[test]
    fn reads_a_keepassxc_export_and_keeps_the_group() {
        let text = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
                    \"Root/APIs\",\"Stripe\",\"\",\"rk_live_0123456789abcdefghijklmn\",\"\",\"\",\"\",\"0\",\"\",\"\"\n";
        let preview = parse_keepassxc(text).unwrap();
        assert_eq!(preview.candidates[0].key.name, "Stripe");
        assert_eq!(preview.candidates[0].key.tags, vec!["Root/APIs"]);
        assert_eq!(preview.candidates[0].provider().as_deref(), Some("stripe"));
    }

    #[test]
    fn a_file_without_the_right_columns_is_refused_as_a_whole() {
        let err = parse_1password("a,b,c\n1,2,3\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(err.to_string().contains("1Password"), "{err}");
    }
}
