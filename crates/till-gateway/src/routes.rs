//! Which paths the gateway serves, and what each one is.
//!
//! Every provider lives under its own prefix and keeps its own `/v1/…` paths, so an SDK
//! needs only a base URL: `http://127.0.0.1:PORT/openai/v1` (also `/openrouter/v1`,
//! `/groq/v1`, `/mistral/v1`), and `http://127.0.0.1:PORT/anthropic` for Anthropic's SDK
//! (which adds `/v1` itself). The path after the prefix is appended to the provider's
//! base URL unchanged (OpenRouter's `https://openrouter.ai/api`, Groq's
//! `https://api.groq.com/openai`), so the query string and model ids pass through.

use http::Method;

use crate::error::{ErrorCode, GatewayError};
use crate::grant::{EndpointFamily, Provider};

/// A request the gateway knows how to handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub provider: Provider,
    pub family: EndpointFamily,
    /// The path (with query) to append to the provider's base URL, starting `/v1/`.
    pub upstream_path: String,
}

/// Whether `provider` has endpoints of `family`.
pub fn provider_has(provider: Provider, family: EndpointFamily) -> bool {
    provider.has(family)
}

/// The provider named by a path's first segment, if any (for the shape of an error that
/// happens before the route is known).
pub fn provider_of(path: &str) -> Option<Provider> {
    let first = path.trim_start_matches('/').split('/').next()?;
    Provider::from_id(first)
}

/// Resolves a request line to a route.
pub fn resolve(method: &Method, path: &str, query: Option<&str>) -> Result<Route, GatewayError> {
    let not_found = || {
        GatewayError::new(
            http::StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such endpoint on the Till gateway; use /openai/v1, /anthropic/v1, /openrouter/v1, /groq/v1 or /mistral/v1 with the provider's own paths",
        )
    };
    let rest = path.strip_prefix('/').ok_or_else(not_found)?;
    let (prefix, rest) = rest.split_once('/').ok_or_else(not_found)?;
    let provider = Provider::from_id(prefix).ok_or_else(not_found)?;
    // Groq's own SDK appends `/openai/v1/…` to its base URL: accept that form too.
    let rest = match provider {
        Provider::Groq => rest.strip_prefix("openai/").unwrap_or(rest),
        _ => rest,
    };
    let endpoint = rest.strip_prefix("v1/").ok_or_else(not_found)?;
    let family = match endpoint {
        "chat/completions" => EndpointFamily::Chat,
        "responses" => EndpointFamily::Responses,
        "embeddings" => EndpointFamily::Embeddings,
        "messages" => EndpointFamily::Messages,
        "messages/count_tokens" => EndpointFamily::CountTokens,
        "models" => EndpointFamily::Models,
        m if m
            .strip_prefix("models/")
            .is_some_and(|id| !id.is_empty() && !id.contains("..")) =>
        {
            EndpointFamily::Models
        }
        _ => return Err(not_found()),
    };
    if !provider_has(provider, family) {
        return Err(not_found());
    }
    let want = if family == EndpointFamily::Models {
        Method::GET
    } else {
        Method::POST
    };
    if *method != want {
        return Err(GatewayError::new(
            http::StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            format!("this endpoint takes {want}"),
        ));
    }
    let mut upstream_path = format!("/v1/{endpoint}");
    if let Some(q) = query {
        upstream_path.push('?');
        upstream_path.push_str(q);
    }
    Ok(Route {
        provider,
        family,
        upstream_path,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn groq_is_reached_the_way_its_own_sdk_and_openai_style_clients_call_it() {
        for path in [
            "/groq/v1/chat/completions",
            "/groq/openai/v1/chat/completions",
        ] {
            let r = resolve(&Method::POST, path, None).unwrap();
            assert_eq!(
                (r.provider, r.family),
                (Provider::Groq, EndpointFamily::Chat)
            );
            assert_eq!(r.upstream_path, "/v1/chat/completions");
        }
        assert!(resolve(&Method::POST, "/openai/openai/v1/chat/completions", None).is_err());
    }

    #[test]
    fn resolves_each_provider() {
        let r = resolve(&Method::POST, "/openai/v1/chat/completions", None).unwrap();
        assert_eq!(
            (r.provider, r.family),
            (Provider::OpenAi, EndpointFamily::Chat)
        );
        assert_eq!(r.upstream_path, "/v1/chat/completions");
        let r = resolve(
            &Method::POST,
            "/anthropic/v1/messages/count_tokens",
            Some("beta=true"),
        )
        .unwrap();
        assert_eq!(r.family, EndpointFamily::CountTokens);
        assert_eq!(r.upstream_path, "/v1/messages/count_tokens?beta=true");
        let r = resolve(&Method::GET, "/groq/v1/models/llama-3.1-8b-instant", None).unwrap();
        assert_eq!(r.family, EndpointFamily::Models);
        assert!(resolve(&Method::POST, "/mistral/v1/embeddings", None).is_ok());
        assert!(resolve(&Method::POST, "/openrouter/v1/chat/completions", None).is_ok());
    }

    #[test]
    fn refuses_unknown_paths_and_methods() {
        for p in [
            "/",
            "/v1/chat/completions",
            "/azure/v1/chat/completions",
            "/openai/v1/messages",
            "/anthropic/v1/chat/completions",
            "/mistral/v1/responses",
            "/openai/v1/files",
            "/openai/v1/models/../files",
        ] {
            let e = resolve(&Method::POST, p, None).unwrap_err();
            assert!(e.status == 404 || e.status == 405, "{p}");
        }
        let e = resolve(&Method::GET, "/openai/v1/chat/completions", None).unwrap_err();
        assert_eq!(e.status, 405);
    }
}
