//! The encodings a key is pasted in: base64 (standard and URL-safe, as in a Kubernetes
//! Secret), URL encoding (a query string), JSON string escapes (`\/`, `\u002d`) and shell
//! backslash escapes.
//!
//! Each decoder takes the bytes of one candidate region and returns the decoded bytes, or
//! `None` when the region is not in that encoding (so no decoded form is tried). They are
//! strict enough to say no quickly and small enough to read in one sitting.

/// How a finding's value was written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Raw,
    Base64,
    Url,
    Json,
    Shell,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Base64 => "base64",
            Self::Url => "url",
            Self::Json => "json",
            Self::Shell => "shell",
        }
    }
}

/// `%XX` sequences decoded; `None` if there is none or one is malformed.
pub fn percent(input: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(b'%', input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            let hi = hex_digit(*input.get(i + 1)?)?;
            let lo = hex_digit(*input.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    Some(out)
}

/// JSON string escapes decoded (`\/`, `\"`, `\\`, `\n`…, `\uXXXX` incl. surrogate pairs);
/// `None` if there is no escape or one is malformed.
pub fn json(input: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(b'\\', input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != b'\\' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let escaped = *input.get(i + 1)?;
        i += 2;
        let simple = match escaped {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => return None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            continue;
        }
        let mut unit = hex4(input.get(i..i + 4)?)?;
        i += 4;
        if (0xD800..0xDC00).contains(&unit) {
            if input.get(i..i + 2) != Some(b"\\u") {
                return None;
            }
            let low = hex4(input.get(i + 2..i + 6)?)?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            i += 6;
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        let c = char::from_u32(unit)?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    Some(out)
}

/// Shell backslash escapes removed (`sk\_live\_…` → `sk_live_…`); `None` without one.
pub fn shell(input: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(b'\\', input)?;
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        if b == b'\\' {
            out.push(*bytes.next()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// Base64 decoded, standard or URL-safe alphabet, padding optional; `None` unless the
/// input is at least 16 characters of one alphabet and decodes to printable text (a key
/// is text: binary is some other blob).
pub fn base64(input: &[u8]) -> Option<Vec<u8>> {
    let body = trim_padding(input);
    if body.len() < 16 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let (mut std, mut url) = (false, false);
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'/' => {
                std = true;
                if c == b'+' {
                    62
                } else {
                    63
                }
            }
            b'-' | b'_' => {
                url = true;
                if c == b'-' {
                    62
                } else {
                    63
                }
            }
            _ => return None,
        };
        if std && url {
            return None;
        }
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    let printable = out
        .iter()
        .all(|&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
    printable.then_some(out)
}

fn trim_padding(input: &[u8]) -> &[u8] {
    let end = input.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    if input.len() - end > 2 {
        return input;
    }
    &input[..end]
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc << 4 | u32::from(hex_digit(d)?)))
}

/// Base64 of `text`, standard or URL-safe alphabet, without padding (for the prefilter's
/// encoded prefixes and for tests).
pub fn encode_base64(text: &[u8], url_safe: bool) -> String {
    let alphabet: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::with_capacity(text.len().div_ceil(3) * 4);
    for chunk in text.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decodes_and_refuses_malformed() {
        assert_eq!(percent(b"a%2Fb%2bc").unwrap(), b"a/b+c");
        assert_eq!(percent(b"sk%2Dproj").unwrap(), b"sk-proj");
        assert_eq!(percent(b"plain"), None);
        assert_eq!(percent(b"bad%2"), None);
        assert_eq!(percent(b"bad%zz"), None);
    }

    #[test]
    fn json_decodes_escapes_and_surrogates() {
        assert_eq!(json(br"sk\u002dproj\/x\\y").unwrap(), b"sk-proj/x\\y");
        assert_eq!(json(br"\ud83d\ude00").unwrap(), "😀".as_bytes());
        assert_eq!(json(br"\u002D").unwrap(), b"-");
        assert_eq!(json(b"plain"), None);
        assert_eq!(json(br"\q"), None);
        assert_eq!(json(br"\u12"), None);
        assert_eq!(json(br"\ud83d"), None);
    }

    #[test]
    fn shell_drops_backslashes() {
        assert_eq!(shell(br"sk\_live\_a\\b").unwrap(), br"sk_live_a\b");
        assert_eq!(shell(b"plain"), None);
        assert_eq!(shell(br"trailing\"), None);
    }

    #[test]
    fn base64_round_trips_both_alphabets() {
        for text in [
            &b"sk_live_4eC39HqLyjWDarjtT1zdp7dc"[..],
            b"wJalrXUtnFEMI/K7MDENG/bPxRfiCY>>?~",
            b"till_sk_abc\n",
        ] {
            for url_safe in [false, true] {
                let encoded = encode_base64(text, url_safe);
                assert_eq!(base64(encoded.as_bytes()).unwrap(), text, "{encoded}");
                let padded = format!("{encoded}{}", "=".repeat((4 - encoded.len() % 4) % 4));
                assert_eq!(base64(padded.as_bytes()).unwrap(), text, "{padded}");
            }
        }
        assert_eq!(encode_base64(b"sk_live_", false), "c2tfbGl2ZV8");
    }

    #[test]
    fn base64_refuses_short_mixed_or_binary() {
        assert_eq!(base64(b"c2tfbGl2"), None);
        assert_eq!(base64(b"ab+cdefghijklmnop_qr"), None);
        assert_eq!(base64(b"////////////////////////"), None);
        assert_eq!(base64(b"not base64 at all!!"), None);
    }
}
