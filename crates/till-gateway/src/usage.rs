//! Reading token usage from the provider's own responses, without holding a stream back.
//!
//! Non-streaming answers carry a JSON `usage` object. Streams carry it in events: OpenAI
//! chat sends a final usage-only chunk when `stream_options.include_usage` is set (the
//! gateway sets it and hides that chunk from a client that did not ask), the Responses
//! API puts it in `response.completed`, Anthropic sends input tokens in `message_start`
//! and cumulative output tokens in each `message_delta`. [`SseMeter`] forwards each event
//! as soon as its terminating blank line arrives and remembers the last usage it saw.

use bytes::{Bytes, BytesMut};
use serde_json::Value;

pub use till_core::agents::usage::{Usage, UsageTotals};

fn field(v: &Value, name: &str) -> u64 {
    v.get(name).and_then(Value::as_u64).unwrap_or(0)
}

/// Usage from a `usage` object in either provider's naming.
pub fn from_usage_object(u: &Value) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    if u.get("prompt_tokens").is_some() {
        return Some(Usage::new(
            field(u, "prompt_tokens"),
            field(u, "completion_tokens"),
        ));
    }
    if u.get("input_tokens").is_some() || u.get("output_tokens").is_some() {
        // Anthropic reports cache writes and reads beside input_tokens; they are input too.
        let input = field(u, "input_tokens")
            + field(u, "cache_creation_input_tokens")
            + field(u, "cache_read_input_tokens");
        return Some(Usage::new(input, field(u, "output_tokens")));
    }
    None
}

/// Usage from a whole non-streaming JSON body.
pub fn from_json_body(body: &[u8]) -> Option<Usage> {
    let v: Value = serde_json::from_slice(body).ok()?;
    from_usage_object(v.get("usage")?)
}

/// Which event grammar a stream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseDialect {
    /// OpenAI-compatible chat completions (`data: {...}` chunks, `data: [DONE]`).
    OpenAiChat,
    /// OpenAI Responses (`response.completed` carries usage).
    OpenAiResponses,
    /// Anthropic Messages (`message_start`, `message_delta`, `message_stop`).
    Anthropic,
}

/// Largest event held while waiting for its end; past it the stream is passed through
/// unparsed and settled as estimated.
const MAX_PENDING: usize = 1 << 20;

/// Splits a stream into events, reads usage, optionally drops the usage-only chunk.
#[derive(Debug)]
pub struct SseMeter {
    dialect: SseDialect,
    strip_usage_chunk: bool,
    pending: BytesMut,
    usage: Option<Usage>,
    complete: bool,
    gave_up: bool,
}

impl SseMeter {
    pub fn new(dialect: SseDialect, strip_usage_chunk: bool) -> Self {
        Self {
            dialect,
            strip_usage_chunk,
            pending: BytesMut::new(),
            usage: None,
            complete: false,
            gave_up: false,
        }
    }

    /// Takes the next bytes from upstream and returns what to send the client now.
    pub fn feed(&mut self, chunk: &[u8]) -> Bytes {
        if self.gave_up {
            return Bytes::copy_from_slice(chunk);
        }
        self.pending.extend_from_slice(chunk);
        let mut out = BytesMut::new();
        while let Some(end) = event_end(&self.pending) {
            let event = self.pending.split_to(end);
            if self.read_event(&event) {
                out.extend_from_slice(&event);
            }
        }
        if self.pending.len() > MAX_PENDING {
            self.gave_up = true;
            out.extend_from_slice(&self.pending.split());
        }
        out.freeze()
    }

    /// The stream ended: whatever is left (an unterminated last event) goes to the client.
    pub fn finish(&mut self) -> Bytes {
        let rest = self.pending.split();
        if !self.gave_up && !rest.is_empty() {
            // Read it for usage but pass it as it is.
            let _ = self.read_event(&rest);
        }
        rest.freeze()
    }

    /// The usage seen, if the stream reached its end marker; `None` if it was cut short or
    /// could not be read.
    pub fn final_usage(&self) -> Option<Usage> {
        (self.complete && !self.gave_up)
            .then_some(self.usage)
            .flatten()
    }

    /// Whether the stream reached its end marker.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Reads one event; returns whether to forward it.
    fn read_event(&mut self, event: &[u8]) -> bool {
        let Ok(text) = std::str::from_utf8(event) else {
            return true;
        };
        let mut data = String::new();
        for line in text.lines() {
            if let Some(d) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            }
        }
        if data.is_empty() {
            return true;
        }
        if data.trim() == "[DONE]" {
            self.complete = true;
            return true;
        }
        let Ok(v) = serde_json::from_str::<Value>(&data) else {
            return true;
        };
        match self.dialect {
            SseDialect::OpenAiChat => {
                let Some(u) = v.get("usage").and_then(from_usage_object) else {
                    return true;
                };
                self.usage = Some(u);
                // Providers that send usage without [DONE] still count as complete once it
                // arrives: it is the last thing they send.
                self.complete = true;
                let usage_only = v
                    .get("choices")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty);
                !(self.strip_usage_chunk && usage_only)
            }
            SseDialect::OpenAiResponses => {
                let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
                if matches!(
                    kind,
                    "response.completed" | "response.failed" | "response.incomplete"
                ) {
                    self.usage = v
                        .get("response")
                        .and_then(|r| r.get("usage"))
                        .and_then(from_usage_object)
                        .or(self.usage);
                    self.complete = true;
                }
                true
            }
            SseDialect::Anthropic => {
                match v.get("type").and_then(Value::as_str).unwrap_or("") {
                    "message_start" => {
                        if let Some(u) = v
                            .get("message")
                            .and_then(|m| m.get("usage"))
                            .and_then(from_usage_object)
                        {
                            self.usage = Some(u);
                        }
                    }
                    "message_delta" => {
                        if let Some(d) = v.get("usage") {
                            let mut u = self.usage.unwrap_or_default();
                            // Output is cumulative; newer API versions repeat input too.
                            if let Some(out) = d.get("output_tokens").and_then(Value::as_u64) {
                                u.output_tokens = out;
                            }
                            if let Some(full) = from_usage_object(d) {
                                if d.get("input_tokens").is_some() {
                                    u.input_tokens = full.input_tokens;
                                }
                            }
                            self.usage = Some(u);
                        }
                    }
                    "message_stop" => self.complete = true,
                    _ => {}
                }
                true
            }
        }
    }
}

/// The end (exclusive) of the first complete event: a blank line, `\n\n` or `\r\n\r\n`.
fn event_end(buf: &[u8]) -> Option<usize> {
    let lf = find(buf, b"\n\n").map(|i| i + 2);
    let crlf = find(buf, b"\n\r\n").map(|i| i + 3);
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OPENAI_STREAM: &str = concat!(
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n",
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
        "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}\n\n",
        "data: [DONE]\n\n",
    );

    const ANTHROPIC_STREAM: &str = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"Hi\"}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    fn run(meter: &mut SseMeter, input: &str, split: usize) -> String {
        let mut out = Vec::new();
        for piece in input.as_bytes().chunks(split.max(1)) {
            out.extend_from_slice(&meter.feed(piece));
        }
        out.extend_from_slice(&meter.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn openai_usage_read_and_stripped_when_asked() {
        let mut m = SseMeter::new(SseDialect::OpenAiChat, true);
        let out = run(&mut m, OPENAI_STREAM, 7);
        assert_eq!(m.final_usage(), Some(Usage::new(12, 5)));
        assert!(!out.contains("prompt_tokens"));
        assert!(out.ends_with("data: [DONE]\n\n"));
        let mut keep = SseMeter::new(SseDialect::OpenAiChat, false);
        assert_eq!(run(&mut keep, OPENAI_STREAM, 3), OPENAI_STREAM);
    }

    #[test]
    fn anthropic_output_is_cumulative() {
        let mut m = SseMeter::new(SseDialect::Anthropic, false);
        assert_eq!(run(&mut m, ANTHROPIC_STREAM, 11), ANTHROPIC_STREAM);
        assert_eq!(m.final_usage(), Some(Usage::new(25, 15)));
    }

    #[test]
    fn cut_short_has_no_final_usage() {
        let mut m = SseMeter::new(SseDialect::Anthropic, false);
        let cut = &ANTHROPIC_STREAM[..ANTHROPIC_STREAM.find("event: message_stop").unwrap()];
        run(&mut m, cut, 5);
        assert_eq!(m.final_usage(), None);
    }

    #[test]
    fn responses_completed_carries_usage() {
        let s = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\r\n\r\nevent: response.completed\r\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":2}}}\r\n\r\n";
        let mut m = SseMeter::new(SseDialect::OpenAiResponses, false);
        assert_eq!(run(&mut m, s, 2), s);
        assert_eq!(m.final_usage(), Some(Usage::new(4, 2)));
    }

    #[test]
    fn json_bodies() {
        assert_eq!(
            from_json_body(br#"{"usage":{"prompt_tokens":3,"completion_tokens":4}}"#),
            Some(Usage::new(3, 4))
        );
        assert_eq!(
            from_json_body(
                br#"{"usage":{"input_tokens":3,"cache_read_input_tokens":10,"output_tokens":4}}"#
            ),
            Some(Usage::new(13, 4))
        );
        assert_eq!(
            from_json_body(br#"{"usage":{"prompt_tokens":8,"total_tokens":8}}"#),
            Some(Usage::new(8, 0))
        );
        assert_eq!(from_json_body(b"{}"), None);
        assert_eq!(from_json_body(b"not json"), None);
    }

    proptest! {
        #[test]
        fn any_split_gives_same_output_and_usage(split in 1usize..64) {
            let mut m = SseMeter::new(SseDialect::OpenAiChat, true);
            let out = run(&mut m, OPENAI_STREAM, split);
            let mut whole = SseMeter::new(SseDialect::OpenAiChat, true);
            prop_assert_eq!(out, run(&mut whole, OPENAI_STREAM, OPENAI_STREAM.len()));
            prop_assert_eq!(m.final_usage(), Some(Usage::new(12, 5)));
        }

        #[test]
        fn arbitrary_bytes_pass_through_unchanged(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut m = SseMeter::new(SseDialect::Anthropic, false);
            let mut out = m.feed(&data).to_vec();
            out.extend_from_slice(&m.finish());
            prop_assert_eq!(out, data);
        }
    }
}
