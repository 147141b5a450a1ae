//! The engine on one buffer: prefilter hits become candidate regions, each region and its
//! decoded forms are fingerprinted and matched against the formats, and what survives is
//! a finding with a line number and no value.
//!
//! Order of preference for one region: a vault key (an exact fingerprint hit) beats a
//! Till token, which beats an unknown key. A base64 region that decodes to text is also
//! scanned as text (once), so `KEY=sk_live_…` encoded whole is found too.

use regex::bytes::Regex;

use crate::candidates::{assigned_value, token_end};
use crate::decode::{self, Encoding};
use crate::entropy::{is_placeholder, worth_fingerprinting};
use crate::prefilter::{Hit, Prefilter};
use crate::suppress::line_allows;
use crate::{Fingerprints, Format, Kind, ScanError};

/// A finding in a buffer, before it gets a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub line: usize,
    pub kind: Kind,
    pub key: Option<String>,
    pub provider: String,
    pub fingerprint: String,
    pub encoding: Encoding,
}

/// A finding at a byte offset.
#[derive(Debug)]
struct AtOffset {
    offset: usize,
    found: Found,
}

struct CompiledFormat {
    format: Format,
    /// `^(?:body)`: the longest value of this format at the start of a candidate.
    at_start: Regex,
}

/// The compiled catalog: prefilter and regexes, shared by every thread of a scan.
pub struct Scanner {
    formats: Vec<CompiledFormat>,
    /// Format indexes for each prefix of the prefilter, longest regex first.
    by_prefix: Vec<Vec<usize>>,
    prefilter: Prefilter,
    redact: fn(&str) -> String,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("formats", &self.formats.len())
            .finish_non_exhaustive()
    }
}

impl Scanner {
    /// Compiles the formats. `redact` turns a found value into what may be shown (the
    /// vault's display-fingerprint rule); it is the only place a value is turned into text.
    pub fn new(formats: Vec<Format>, redact: fn(&str) -> String) -> Result<Self, ScanError> {
        let prefixes: Vec<&str> = formats.iter().map(|f| f.prefix.as_str()).collect();
        let prefilter = Prefilter::new(&prefixes)?;
        let mut compiled = Vec::new();
        for format in formats {
            let body = format
                .regex
                .strip_prefix('^')
                .and_then(|r| r.strip_suffix('$'))
                .ok_or_else(|| {
                    ScanError::Setup(format!(
                        "the {} format's regex must be anchored with ^…$",
                        format.provider
                    ))
                })?;
            let at_start = Regex::new(&format!("^(?:{body})")).map_err(|e| {
                ScanError::Setup(format!("the {} format's regex: {e}", format.provider))
            })?;
            compiled.push(CompiledFormat { format, at_start });
        }
        let by_prefix = prefilter
            .prefixes
            .iter()
            .map(|prefix| {
                (0..compiled.len())
                    .filter(|&i| compiled[i].format.prefix.as_bytes() == prefix.as_slice())
                    .collect()
            })
            .collect();
        Ok(Self {
            formats: compiled,
            by_prefix,
            prefilter,
            redact,
        })
    }

    /// The formats this scanner looks for.
    pub fn formats(&self) -> impl Iterator<Item = &Format> {
        self.formats.iter().map(|f| &f.format)
    }

    /// Every finding in `data`, in order, without `till:allow` lines and duplicates.
    pub fn scan(&self, data: &[u8], vault: &dyn Fingerprints) -> Vec<Found> {
        let mut found = Vec::new();
        self.scan_into(data, vault, 0, &mut found);
        found.sort_by_key(|f| f.offset);
        let mut out: Vec<Found> = Vec::new();
        let (mut line, mut counted) = (1, 0);
        for AtOffset { offset, mut found } in found {
            if line_allows(data, offset) {
                continue;
            }
            line += memchr::memchr_iter(b'\n', &data[counted..offset]).count();
            counted = offset;
            found.line = line;
            let duplicate = out.iter().rev().take_while(|f| f.line == line).any(|f| {
                f.kind == found.kind && f.key == found.key && f.fingerprint == found.fingerprint
            });
            if !duplicate {
                out.push(found);
            }
        }
        out
    }

    fn scan_into(&self, data: &[u8], vault: &dyn Fingerprints, depth: u8, out: &mut Vec<AtOffset>) {
        let mut resume = 0;
        for (start, end, hit) in self.prefilter.hits(data) {
            match hit {
                Hit::Prefix => {
                    if start < resume {
                        continue;
                    }
                    let Some(variant) = self.prefilter.variants_at(data, start).next() else {
                        continue;
                    };
                    let inside_base64 = start > 0 && is_base64_byte(data[start - 1]);
                    if variant.embedded || (variant.base64 && inside_base64) {
                        // Inside a longer base64 text: decode all of it, once.
                        let (s, e) = base64_span(data, start);
                        self.region(&data[s..e], s, vault, depth, false, out);
                        resume = e;
                        continue;
                    }
                    if start > 0 && data[start - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    let token_stop = token_end(data, start);
                    let before = out.len();
                    self.region(&data[start..token_stop], start, vault, depth, true, out);
                    if out.len() > before {
                        resume = token_stop;
                    }
                }
                Hit::Keyword => {
                    let Some((s, e)) = assigned_value(data, end) else {
                        continue;
                    };
                    let value = &data[s..e];
                    if worth_fingerprinting(value) {
                        self.region(value, s, vault, depth, false, out);
                    }
                }
            }
        }
    }

    /// Findings for one candidate region at `offset`: the region and its decoded forms.
    fn region(
        &self,
        region: &[u8],
        offset: usize,
        vault: &dyn Fingerprints,
        depth: u8,
        prefixed: bool,
        out: &mut Vec<AtOffset>,
    ) {
        let forms = decoded_forms(region);
        // 1. A vault key, in any form.
        for (encoding, text) in &forms {
            for candidate in self.candidates(text) {
                if let Some(hit) = vault.lookup(candidate) {
                    out.push(AtOffset {
                        offset,
                        found: Found {
                            line: 0,
                            kind: Kind::VaultKey,
                            key: Some(hit.key),
                            provider: hit.provider,
                            fingerprint: hit.fingerprint,
                            encoding: *encoding,
                        },
                    });
                    return;
                }
            }
        }
        // 2. A provider format or a Till token.
        if prefixed {
            for (encoding, text) in &forms {
                if let Some(found) = self.format_match(text, *encoding) {
                    out.push(AtOffset { offset, found });
                    return;
                }
            }
        }
        // 3. Base64 of a larger text (a whole `.env` encoded): scan the text, once.
        if depth == 0 {
            for (encoding, text) in &forms {
                if *encoding == Encoding::Base64 {
                    let mut inner = Vec::new();
                    self.scan_into(text, vault, 1, &mut inner);
                    out.extend(inner.into_iter().map(|mut f| {
                        f.offset = offset;
                        f.found.encoding = Encoding::Base64;
                        f
                    }));
                }
            }
        }
    }

    /// The strings a form may hold a value as: all of it, without trailing punctuation
    /// or a newline, and the longest match of each format whose prefix it starts with.
    fn candidates<'a>(&self, text: &'a [u8]) -> Vec<&'a [u8]> {
        let mut list: Vec<&[u8]> = vec![text];
        let trimmed = trim_end(text);
        if trimmed.len() != text.len() && !trimmed.is_empty() {
            list.push(trimmed);
        }
        for index in self.formats_at_start(text) {
            if let Some(m) = self.formats[index].at_start.find(text) {
                if !list.contains(&m.as_bytes()) {
                    list.push(m.as_bytes());
                }
            }
        }
        list
    }

    /// A value of a catalog format at the start of `text` (not a placeholder).
    fn format_match(&self, text: &[u8], encoding: Encoding) -> Option<Found> {
        for index in self.formats_at_start(text) {
            let format = &self.formats[index];
            let Some(m) = format.at_start.find(text) else {
                continue;
            };
            let value = m.as_bytes();
            if text.get(value.len()).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            let body = &value[format.format.prefix.len().min(value.len())..];
            if is_placeholder(body) {
                continue;
            }
            let kind = if format.format.agent_token {
                Kind::TillToken
            } else {
                Kind::UnknownKey
            };
            return Some(Found {
                line: 0,
                kind,
                key: None,
                provider: format.format.provider.clone(),
                fingerprint: (self.redact)(&String::from_utf8_lossy(value)),
                encoding,
            });
        }
        None
    }

    /// The formats whose prefix `text` starts with, longest prefix first.
    fn formats_at_start<'s>(&'s self, text: &'s [u8]) -> impl Iterator<Item = usize> + 's {
        let mut prefixes: Vec<usize> = (0..self.prefilter.prefixes.len())
            .filter(|&p| text.starts_with(&self.prefilter.prefixes[p]))
            .collect();
        prefixes.sort_by_key(|&p| std::cmp::Reverse(self.prefilter.prefixes[p].len()));
        prefixes
            .into_iter()
            .flat_map(move |p| self.by_prefix[p].iter().copied())
    }
}

/// The region as written and each decoding of it that applies.
fn decoded_forms(region: &[u8]) -> Vec<(Encoding, Vec<u8>)> {
    let mut forms = vec![(Encoding::Raw, region.to_vec())];
    let trimmed = trim_end(region);
    let mut push = |encoding, text: Option<Vec<u8>>| {
        if let Some(text) = text {
            if !text.is_empty() && !forms.iter().any(|(_, t)| *t == text) {
                forms.push((encoding, text));
            }
        }
    };
    push(Encoding::Url, decode::percent(trimmed));
    push(Encoding::Json, decode::json(region));
    push(Encoding::Json, decode::json(trimmed));
    push(Encoding::Shell, decode::shell(trimmed));
    push(Encoding::Base64, decode::base64(region));
    push(Encoding::Base64, decode::base64(trimmed));
    forms
}

/// The base64 text around `at`: back and forward over base64 characters, bounded.
fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn base64_span(data: &[u8], at: usize) -> (usize, usize) {
    let is_b64 = is_base64_byte;
    let floor = at.saturating_sub(MAX_BASE64_TEXT);
    let start = data[floor..at]
        .iter()
        .rposition(|&b| !is_b64(b))
        .map_or(floor, |p| floor + p + 1);
    let ceiling = data.len().min(at + MAX_BASE64_TEXT);
    let mut end = data[at..ceiling]
        .iter()
        .position(|&b| !is_b64(b))
        .map_or(ceiling, |p| at + p);
    while end < data.len() && end - at < MAX_BASE64_TEXT && data[end] == b'=' {
        end += 1;
    }
    (start, end)
}

/// The longest encoded text decoded around an embedded base64 prefix (a `.env` file).
const MAX_BASE64_TEXT: usize = 64 * 1024;

/// Without trailing whitespace and the punctuation that ends a sentence or a path.
fn trim_end(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|b| {
            !(b.is_ascii_whitespace() || matches!(b, b'.' | b',' | b';' | b':' | b'/' | b'\\'))
        })
        .map_or(0, |p| p + 1);
    &text[..end]
}

#[cfg(test)]
mod tests;
