//! Where a candidate value starts and ends around a prefilter hit.
//!
//! Two shapes: a token that starts with a catalog prefix and runs over key characters
//! (and the escape characters of its encodings), and a quoted or bare value assigned to
//! a key-like name (`API_KEY=…`, `"client_secret": "…"`, `Authorization: Bearer …`).
//! Both are bounded, so a pathological line cannot make a hit expensive.

/// The longest candidate considered; longer runs are data, not keys.
pub const MAX_TOKEN_LEN: usize = 1024;

/// The shortest value next to a key-like name worth a fingerprint.
pub const MIN_GENERIC_LEN: usize = 12;

/// How far past a key-like name the assignment may start (`api_key"]  =  "`).
const MAX_NAME_TAIL: usize = 48;

/// Bytes a key (or an escaped or encoded key) is written with.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'+' | b'/' | b'=' | b'~' | b'%' | b'\\'
        )
}

/// The end of the token starting at `start`: key characters, at most [`MAX_TOKEN_LEN`].
pub fn token_end(data: &[u8], start: usize) -> usize {
    let limit = data.len().min(start + MAX_TOKEN_LEN);
    data[start..limit]
        .iter()
        .position(|&b| !is_token_byte(b))
        .map_or(limit, |p| start + p)
}

/// The value assigned to the name whose match ends at `name_end`, as `(start, end)`:
/// `NAME = value`, `NAME: "value"`, `"NAME": 'value'`, `NAME := value`, `NAME => value`,
/// `Authorization: Bearer value`, `Bearer value`. `None` when no value follows.
pub fn assigned_value(data: &[u8], name_end: usize) -> Option<(usize, usize)> {
    let mut i = name_end;
    let tail_limit = data.len().min(name_end + MAX_NAME_TAIL);
    // The rest of the name (`_KEY`, `Token`, `-secret`) and the closing of its quotes.
    while i < tail_limit
        && (data[i].is_ascii_alphanumeric() || matches!(data[i], b'_' | b'-' | b'.'))
    {
        i += 1;
    }
    let bearer = name_end >= 6 && data[name_end - 6..name_end].eq_ignore_ascii_case(b"bearer");
    if !bearer {
        while i < tail_limit && matches!(data[i], b'"' | b'\'' | b'`' | b']' | b')' | b' ' | b'\t')
        {
            i += 1;
        }
        match data.get(i) {
            Some(b'=') => i += 1,
            Some(b':') => i += 1,
            _ => return None,
        }
        if matches!(data.get(i), Some(b'=' | b'>')) {
            i += 1;
        }
    }
    i = skip_blanks(data, i);
    let mut quote = None;
    if let Some(&q) = data.get(i).filter(|&&q| matches!(q, b'"' | b'\'' | b'`')) {
        quote = Some(q);
        i += 1;
    }
    // An auth scheme between the name and the value.
    for scheme in [&b"bearer "[..], b"basic ", b"token "] {
        if data.len() >= i + scheme.len() && data[i..i + scheme.len()].eq_ignore_ascii_case(scheme)
        {
            i = skip_blanks(data, i + scheme.len());
            break;
        }
    }
    let start = i;
    let end = match quote {
        Some(q) => quoted_end(data, start, q)?,
        None => token_end(data, start),
    };
    (end > start).then_some((start, end))
}

fn skip_blanks(data: &[u8], mut i: usize) -> usize {
    while matches!(data.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The closing quote of a quoted value (backslash escapes skipped), on the same line.
fn quoted_end(data: &[u8], start: usize, quote: u8) -> Option<usize> {
    let limit = data.len().min(start + MAX_TOKEN_LEN);
    let mut i = start;
    while i < limit {
        match data[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Option<&str> {
        let name = [
            "key", "KEY", "Key", "secret", "token", "bearer", "Bearer", "password",
        ]
        .iter()
        .filter_map(|k| text.find(k).map(|p| p + k.len()))
        .min()?;
        assigned_value(text.as_bytes(), name).map(|(s, e)| &text[s..e])
    }

    #[test]
    fn assignments_in_the_usual_syntaxes() {
        let v = "Zq8vN3xL0pT7rW2yK5mB";
        for text in [
            format!("API_KEY={v}"),
            format!("export API_KEY=\"{v}\""),
            format!("api_key: {v}"),
            format!("  \"apiKey\": \"{v}\","),
            format!("secret_key = '{v}'"),
            format!("token := \"{v}\""),
            format!("'token' => '{v}'"),
            format!("config[\"secret\"] = \"{v}\""),
            format!("Authorization: Bearer {v}"),
            format!("curl -H 'Authorization: Bearer {v}'"),
            format!("password=`{v}`"),
        ] {
            assert_eq!(value(&text), Some(v), "{text}");
        }
    }

    #[test]
    fn escapes_stay_inside_quotes_and_names_without_values_are_skipped() {
        assert_eq!(value(r#"token: "ab\"cd/ef""#), Some(r#"ab\"cd/ef"#));
        assert_eq!(value(r#""secret": "a\/b\u002dc""#), Some(r#"a\/b\u002dc"#));
        assert_eq!(value("let key_count = keys.len();"), Some("keys.len"));
        assert_eq!(value("fn token(&self) -> Token {"), None);
        assert_eq!(value("the key is in the drawer"), None);
        assert_eq!(value("secret = \"unterminated\n\""), None);
    }

    #[test]
    fn tokens_end_at_non_key_bytes_and_are_bounded() {
        let text = b"x sk_live_abc%2F\\u002d\"rest";
        assert_eq!(token_end(text, 2), 22);
        let long = vec![b'a'; 5000];
        assert_eq!(token_end(&long, 0), MAX_TOKEN_LEN);
    }
}
