//! `.env` files: `NAME=value` lines, optionally `export`ed, quoted, or commented.

use super::ImportPreview;

/// One line of a `.env` file that is not blank or a comment: its number (from 1) and the
/// assignment, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub line: usize,
    pub parsed: Result<(String, String), String>,
}

/// The assignments of a `.env` file, in order (shared by import and `till run
/// --env-file`). Values may be empty; quotes and escapes are undone.
pub fn assignments(text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        out.push(Assignment {
            line: index + 1,
            parsed: assignment(trimmed),
        });
    }
    out
}

fn assignment(trimmed: &str) -> Result<(String, String), String> {
    let assignment = trimmed
        .strip_prefix("export ")
        .unwrap_or(trimmed)
        .trim_start();
    let Some((name, rest)) = assignment.split_once('=') else {
        return Err("expected NAME=value".into());
    };
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        return Err(format!(
            "'{name}' is not a variable name (letters, digits, _)"
        ));
    }
    let value = unquote(rest.trim()).map_err(|message| format!("{name}: {message}"))?;
    Ok((name.to_owned(), value))
}

/// Parses a `.env` file. Blank lines and `#` comments are skipped; anything else that is
/// not `NAME=value` is a problem with its line number.
pub fn parse(text: &str) -> ImportPreview {
    let mut preview = ImportPreview::default();
    for Assignment { line, parsed } in assignments(text) {
        match parsed {
            Ok((name, value)) if value.is_empty() => {
                preview.problem(line, format!("{name} has no value"))
            }
            Ok((name, value)) => {
                preview.offer(line, &name, value, None, vec!["imported:env".into()])
            }
            Err(message) => preview.problem(line, message),
        }
    }
    preview
}

/// The value part: quoted (single: literal; double: `\n`, `\"`, `\\` escapes) or bare
/// (ends at ` #`).
fn unquote(text: &str) -> Result<String, &'static str> {
    if let Some(body) = text.strip_prefix('\'') {
        let end = body.find('\'').ok_or("the closing ' is missing")?;
        return Ok(body[..end].to_owned());
    }
    if let Some(body) = text.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Ok(out),
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => break,
                },
                other => out.push(other),
            }
        }
        return Err("the closing \" is missing");
    }
    let bare = text.split(" #").next().unwrap_or("").trim_end();
    Ok(bare.to_owned())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn reads_assignments_in_all_the_usual_shapes() {
        let preview = parse(
            "# comment\n\nOPENAI_API_KEY=sk-proj-abc123def456\nexport STRIPE_KEY='rk_live_quoted value'\n\
             GH=\"ghp_line1\\nline2\" \nPLAIN=value-here # trailing comment\n",
        );
        assert!(preview.problems.is_empty(), "{:?}", preview.problems);
        let got: Vec<_> = preview
            .candidates
            .iter()
            .map(|c| {
                (
                    c.line,
                    c.key.name.as_str(),
                    c.key.value.expose_secret().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "OPENAI_API_KEY", "sk-proj-abc123def456".to_owned()),
                (4, "STRIPE_KEY", "rk_live_quoted value".to_owned()),
                (5, "GH", "ghp_line1\nline2".to_owned()),
                (6, "PLAIN", "value-here".to_owned()),
            ]
        );
    }

    #[test]
    fn reports_bad_lines_with_their_numbers() {
        let preview =
            parse("GOOD=value-1\nnot an assignment\nEMPTY=\nBAD NAME=x\nQ=\"open\nGOOD=again\n");
        let problems: Vec<_> = preview
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(problems[0], (2, "expected NAME=value"));
        assert_eq!(problems[1], (3, "EMPTY has no value"));
        assert_eq!(problems[2].0, 4);
        assert_eq!(problems[3], (5, "Q: the closing \" is missing"));
        assert_eq!(problems[4].0, 6);
        assert!(problems[4].1.contains("appears twice"));
        assert_eq!(preview.candidates.len(), 1);
    }
}
