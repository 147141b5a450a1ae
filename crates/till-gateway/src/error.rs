//! Refusals, spoken in the provider's own JSON error shape so an SDK raises its usual
//! exception (and stops, for a spent budget) instead of choking on an unknown body.
//!
//! Each refusal has a stable code (for tests, logs and the ledger) and a sentence that
//! says what to do. Messages never contain a key, a token, a URL or a request body.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use crate::budget::Refusal;
use crate::grant::Provider;

/// A stable, closed list of refusal codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidApiKey,
    GrantRevoked,
    GrantExpired,
    WrongProvider,
    ModelNotAllowed,
    ModelNotPriced,
    EndpointNotAllowed,
    InsufficientQuota,
    RateLimitExceeded,
    InvalidJson,
    BodyTooLarge,
    ForbiddenOrigin,
    ForbiddenHost,
    NotFound,
    MethodNotAllowed,
    UpstreamUnreachable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidApiKey => "invalid_api_key",
            ErrorCode::GrantRevoked => "grant_revoked",
            ErrorCode::GrantExpired => "grant_expired",
            ErrorCode::WrongProvider => "wrong_provider",
            ErrorCode::ModelNotAllowed => "model_not_allowed",
            ErrorCode::ModelNotPriced => "model_not_priced",
            ErrorCode::EndpointNotAllowed => "endpoint_not_allowed",
            ErrorCode::InsufficientQuota => "insufficient_quota",
            ErrorCode::RateLimitExceeded => "rate_limit_exceeded",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::BodyTooLarge => "request_too_large",
            ErrorCode::ForbiddenOrigin => "forbidden_origin",
            ErrorCode::ForbiddenHost => "forbidden_host",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UpstreamUnreachable => "upstream_unreachable",
            ErrorCode::Internal => "internal_error",
        }
    }
}

/// A request the gateway refuses or cannot complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GatewayError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds to wait (rate limits).
    pub retry_after: Option<u64>,
}

impl GatewayError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A budget refusal.
    pub fn from_refusal(r: Refusal) -> Self {
        let what = match r {
            Refusal::Calls => "its call limit",
            Refusal::Tokens => "its token limit",
            Refusal::Dollars => "its spending limit",
            Refusal::Rate { retry_after_secs } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimitExceeded,
                    format!(
                        "this Till agent key is over its requests-per-minute limit; retry in {retry_after_secs} s"
                    ),
                );
                e.retry_after = Some(retry_after_secs);
                return e;
            }
        };
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::InsufficientQuota,
            format!(
                "this Till agent key has reached {what} (counting requests in flight); ask its owner for a new key or a higher cap in Till"
            ),
        )
    }

    /// The same refusal with another sentence.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The error as the provider would send it.
    pub fn to_response(&self, style: Provider) -> Response<Full<Bytes>> {
        let body = if style.is_anthropic_style() {
            let kind = match self.status.as_u16() {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                500 => "api_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": self.message}})
        } else {
            let kind = match self.code {
                ErrorCode::InsufficientQuota => "insufficient_quota",
                ErrorCode::RateLimitExceeded => "requests",
                ErrorCode::UpstreamUnreachable | ErrorCode::Internal => "server_error",
                _ => "invalid_request_error",
            };
            json!({"error": {"message": self.message, "type": kind, "param": null, "code": self.code.as_str()}})
        };
        let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
        *resp.status_mut() = self.status;
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert("x-till-error", HeaderValue::from_static(self.code.as_str()));
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == ErrorCode::InsufficientQuota {
            // The OpenAI and Anthropic SDKs honour this: a spent budget is not retried.
            h.insert("x-should-retry", HeaderValue::from_static("false"));
        }
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read; the connection cannot be reused.
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn body(r: Response<Full<Bytes>>) -> serde_json::Value {
        let b = futures_body(r);
        serde_json::from_slice(&b).unwrap()
    }

    fn futures_body(r: Response<Full<Bytes>>) -> Bytes {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async { r.into_body().collect().await.unwrap().to_bytes() })
    }

    #[test]
    fn shapes() {
        let e = GatewayError::from_refusal(Refusal::Dollars);
        let r = e.to_response(Provider::OpenAi);
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["x-should-retry"], "false");
        let v = body(r);
        assert_eq!(v["error"]["type"], "insufficient_quota");
        assert_eq!(v["error"]["code"], "insufficient_quota");
        let v = body(e.to_response(Provider::Anthropic));
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "rate_limit_error");
        let r = GatewayError::from_refusal(Refusal::Rate {
            retry_after_secs: 7,
        })
        .to_response(Provider::Groq);
        assert_eq!(r.headers()["retry-after"], "7");
    }
}
