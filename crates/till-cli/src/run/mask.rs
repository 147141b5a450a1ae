//! The output filter: a child's piped stdout or stderr with every injected value
//! replaced by `<till:NAME>`, so a log file, a CI log or an agent's transcript never
//! keeps a key a command happened to print.
//!
//! Values can be split across reads (a `printf` per byte, a write cut by the pipe), so
//! the filter holds back the shortest tail that could still be the start of a value and
//! decides when more arrives; nothing longer is ever held. The cost: output that ends in
//! such a prefix waits for the next write or the end of the stream. A terminal is never
//! filtered (see `child.rs`): colours and cursor control reach it intact.

use std::io::{ErrorKind, Read, Write};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Replaces values with their labels in a byte stream.
pub struct Masker {
    /// (value, label); the longest value first so a value containing another wins.
    needles: Vec<(Zeroizing<Vec<u8>>, Vec<u8>)>,
    /// Bytes that may be the start of a value, held until the next read.
    tail: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("values", &self.needles.len())
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// A filter for `values`, each with the key name its label shows. Empty values
    /// are skipped (they would match everywhere).
    pub fn new<'a>(values: impl IntoIterator<Item = (&'a SecretString, &'a str)>) -> Self {
        let mut needles: Vec<_> = values
            .into_iter()
            .filter(|(value, _)| !value.expose_secret().is_empty())
            .map(|(value, name)| {
                (
                    Zeroizing::new(value.expose_secret().as_bytes().to_vec()),
                    format!("<till:{name}>").into_bytes(),
                )
            })
            .collect();
        needles.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        Self {
            needles,
            tail: Zeroizing::new(Vec::new()),
        }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Filters the next chunk into `out`, holding back a possible value prefix.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut data = Zeroizing::new(std::mem::take(&mut *self.tail));
        data.extend_from_slice(chunk);
        let mut at = 0;
        'scan: while at < data.len() {
            let rest = &data[at..];
            for (value, label) in &self.needles {
                if rest.starts_with(value) {
                    out.extend_from_slice(label);
                    at += value.len();
                    continue 'scan;
                }
            }
            if self
                .needles
                .iter()
                .any(|(value, _)| rest.len() < value.len() && value.starts_with(rest))
            {
                self.tail.extend_from_slice(rest);
                return;
            }
            out.push(data[at]);
            at += 1;
        }
    }

    /// Ends the stream: a held tail was not a value after all.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tail);
        self.tail.clear();
    }
}

/// Copies `from` to `to` through `masker` until the end of `from`. Stops early (closing
/// the pipe, so the child sees a broken pipe as it would under a shell) if `to` is gone.
pub fn pump(mut from: impl Read, mut to: impl Write, mut masker: Masker) {
    let mut buffer = Zeroizing::new(vec![0u8; 8192]);
    let mut out = Zeroizing::new(Vec::with_capacity(8192));
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        out.clear();
        masker.feed(&buffer[..read], &mut out);
        if to.write_all(&out).and_then(|()| to.flush()).is_err() {
            return;
        }
    }
    out.clear();
    masker.finish(&mut out);
    let _ = to.write_all(&out).and_then(|()| to.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker(values: &[(&str, &str)]) -> Masker {
        let secrets: Vec<(SecretString, &str)> = values
            .iter()
            .map(|(v, n)| (SecretString::from(v.to_string()), *n))
            .collect();
        Masker::new(secrets.iter().map(|(v, n)| (v, *n)))
    }

    fn run(masker: &mut Masker, chunks: &[&str]) -> String {
        let mut out = Vec::new();
        for chunk in chunks {
            masker.feed(chunk.as_bytes(), &mut out);
        }
        masker.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_replaced_wherever_they_appear() {
        let mut m = masker(&[("ghp_secret123", "gh"), ("sk_live_abc", "stripe")]);
        assert_eq!(
            run(
                &mut m,
                &["token=ghp_secret123 and sk_live_abc, ghp_secret123\n"]
            ),
            "token=<till:gh> and <till:stripe>, <till:gh>\n"
        );
    }

    #[test]
    fn a_value_split_across_any_reads_is_still_masked() {
        let value = "ghp_secret123";
        let text = format!("a {value} b {value}");
        for cut in 0..=text.len() {
            for second in cut..=text.len() {
                let mut m = masker(&[(value, "gh")]);
                let got = run(&mut m, &[&text[..cut], &text[cut..second], &text[second..]]);
                assert_eq!(got, "a <till:gh> b <till:gh>", "cut at {cut} and {second}");
            }
        }
        let mut m = masker(&[(value, "gh")]);
        let bytes: Vec<String> = value.chars().map(String::from).collect();
        let refs: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(run(&mut m, &refs), "<till:gh>");
    }

    #[test]
    fn only_a_possible_prefix_is_held_and_a_false_start_is_released() {
        let mut m = masker(&[("ghp_secret123", "gh")]);
        let mut out = Vec::new();
        m.feed(b"hello ghp_sec", &mut out);
        assert_eq!(out, b"hello ");
        m.feed(b"ond", &mut out);
        assert_eq!(out, b"hello ghp_second");
        let mut out = Vec::new();
        m.feed(b"ends with g", &mut out);
        m.finish(&mut out);
        assert_eq!(out, b"ends with g");
    }

    #[test]
    fn overlapping_values_prefer_the_longest_and_empty_ones_are_ignored() {
        let mut m = masker(&[("abc", "short"), ("abcdef", "long"), ("", "empty")]);
        assert_eq!(
            run(&mut m, &["abcdef abc ab"]),
            "<till:long> <till:short> ab"
        );
        assert!(masker(&[("", "empty")]).is_empty());
    }
}
