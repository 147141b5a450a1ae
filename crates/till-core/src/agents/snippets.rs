//! Ready-made configuration for an agent key: environment variables, the Python and
//! TypeScript SDKs, and the equivalent `till run` line.
//!
//! The snippets never contain the token: they read it from the environment variable the
//! first snippet sets, so copying a snippet into a chat or a file does not leak it.

use serde::Serialize;

use super::grant::Provider;

/// One snippet: a title and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Snippet {
    pub title: String,
    pub text: String,
}

/// The SDKs' environment variable names for a provider: (key, base URL).
fn env_names(provider: Provider) -> (&'static str, &'static str) {
    match provider {
        Provider::Anthropic => ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        _ => ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    }
}

/// Snippets for an agent key on `provider`, served at `base_url` (the SDK base URL),
/// spending the key named `key` (for the `till run` line).
pub fn snippets(provider: Provider, base_url: &str, key: &str) -> Vec<Snippet> {
    let (key_var, url_var) = env_names(provider);
    let shell_key = key.replace('\'', "'\\''");
    let (python, typescript) = if provider.is_anthropic_style() {
        (
            format!(
                "import os\nfrom anthropic import Anthropic\n\nclient = Anthropic(\n    base_url=\"{base_url}\",\n    api_key=os.environ[\"{key_var}\"],\n)"
            ),
            format!(
                "import Anthropic from \"@anthropic-ai/sdk\";\n\nconst client = new Anthropic({{\n  baseURL: \"{base_url}\",\n  apiKey: process.env.{key_var},\n}});"
            ),
        )
    } else {
        (
            format!(
                "import os\nfrom openai import OpenAI\n\nclient = OpenAI(\n    base_url=\"{base_url}\",\n    api_key=os.environ[\"{key_var}\"],\n)"
            ),
            format!(
                "import OpenAI from \"openai\";\n\nconst client = new OpenAI({{\n  baseURL: \"{base_url}\",\n  apiKey: process.env.{key_var},\n}});"
            ),
        )
    };
    vec![
        Snippet {
            title: "Environment variables".into(),
            text: format!("export {url_var}={base_url}\nexport {key_var}=<paste the agent key>"),
        },
        Snippet {
            title: "Python SDK".into(),
            text: python,
        },
        Snippet {
            title: "TypeScript SDK".into(),
            text: typescript,
        },
        Snippet {
            title: "Or let till run mint one per run".into(),
            text: format!("till run --key '{shell_key}' --max-usd 1 --ttl 1h -- python agent.py"),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_snippets_point_at_the_gateway_and_hold_no_token() {
        let all = snippets(
            Provider::OpenAi,
            "http://127.0.0.1:8417/openai/v1",
            "O'Brien",
        );
        assert_eq!(all.len(), 4);
        assert!(all[0]
            .text
            .contains("OPENAI_BASE_URL=http://127.0.0.1:8417/openai/v1"));
        assert!(all[1].text.contains("OpenAI(") && all[2].text.contains("new OpenAI"));
        assert!(all[3].text.contains("--key 'O'\\''Brien'"));
        assert!(all.iter().all(|s| !s.text.contains("till_sk_")));
    }

    #[test]
    fn anthropic_snippets_use_its_sdk() {
        let all = snippets(Provider::Anthropic, "http://127.0.0.1:8417/anthropic", "k");
        assert!(all[0].text.contains("ANTHROPIC_API_KEY"));
        assert!(all[1].text.contains("Anthropic("));
    }
}
