//! The pricing catalog: per provider, per model, dollars per million input and output
//! tokens, with the date and the page they were read from.
//!
//! The data lives in `pricing/<provider>.toml` (embedded at compile time, parsed once on
//! first use) so a price change is a data change. Costs are integers in micro-dollars,
//! rounded up, so sums are exact and a cap is never undercounted by rounding.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::grant::Provider;
use super::usage::Usage;

/// One model's prices, in micro-dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelPrice {
    pub input_per_mtok: u64,
    pub output_per_mtok: u64,
}

impl ModelPrice {
    /// The cost of a usage in micro-dollars, rounded up.
    pub fn cost(&self, usage: Usage) -> u64 {
        let total = u128::from(usage.input_tokens) * u128::from(self.input_per_mtok)
            + u128::from(usage.output_tokens) * u128::from(self.output_per_mtok);
        u64::try_from(total.div_ceil(1_000_000)).unwrap_or(u64::MAX)
    }
}

/// One provider's file.
#[derive(Debug, Clone)]
pub struct ProviderPrices {
    pub provider: Provider,
    pub as_of: String,
    pub source: String,
    pub models: BTreeMap<String, ModelPrice>,
}

/// All the prices Till knows.
#[derive(Debug, Clone, Default)]
pub struct PricingCatalog {
    providers: BTreeMap<Provider, ProviderPrices>,
}

/// Why a pricing file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("pricing file for `{0}` is not valid TOML: {1}")]
    Toml(String, String),
    #[error("pricing file names unknown provider `{0}`")]
    UnknownProvider(String),
    #[error("pricing for `{provider}` model `{model}` is negative or not a number")]
    BadPrice { provider: String, model: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    input: f64,
    output: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provider: String,
    as_of: String,
    source: String,
    models: BTreeMap<String, FileModel>,
}

const BUILTIN: [(&str, &str); 2] = [
    ("openai", include_str!("../../pricing/openai.toml")),
    ("anthropic", include_str!("../../pricing/anthropic.toml")),
];

static BUILTIN_CATALOG: LazyLock<PricingCatalog> = LazyLock::new(|| {
    PricingCatalog::parse(BUILTIN.iter().map(|(_, text)| *text))
        .unwrap_or_else(|e| panic!("built-in pricing data is broken (a test catches this): {e}"))
});

fn micro_per_mtok(dollars: f64) -> Option<u64> {
    // Prices have at most a few decimals; rounding to the micro-dollar is exact for them.
    (0.0..1e9)
        .contains(&dollars)
        .then(|| (dollars * 1e6).round() as u64)
}

impl PricingCatalog {
    /// The catalog shipped with Till.
    pub fn builtin() -> &'static PricingCatalog {
        &BUILTIN_CATALOG
    }

    /// Parses provider files (TOML text).
    pub fn parse<'a>(files: impl IntoIterator<Item = &'a str>) -> Result<Self, PricingError> {
        let mut providers = BTreeMap::new();
        for text in files {
            let file: File = toml::from_str(text)
                .map_err(|e| PricingError::Toml("?".into(), e.message().to_owned()))?;
            let provider = Provider::from_id(&file.provider)
                .ok_or_else(|| PricingError::UnknownProvider(file.provider.clone()))?;
            let mut models = BTreeMap::new();
            for (name, m) in file.models {
                let bad = || PricingError::BadPrice {
                    provider: file.provider.clone(),
                    model: name.clone(),
                };
                let price = ModelPrice {
                    input_per_mtok: micro_per_mtok(m.input).ok_or_else(bad)?,
                    output_per_mtok: micro_per_mtok(m.output).ok_or_else(bad)?,
                };
                models.insert(name, price);
            }
            providers.insert(
                provider,
                ProviderPrices {
                    provider,
                    as_of: file.as_of,
                    source: file.source,
                    models,
                },
            );
        }
        Ok(Self { providers })
    }

    pub fn provider(&self, provider: Provider) -> Option<&ProviderPrices> {
        self.providers.get(&provider)
    }

    /// A model's price: its exact name, or the name without a dated snapshot suffix
    /// (`gpt-4o-mini-2024-07-18`, `claude-sonnet-4-5-20250929`), or the alias without
    /// `-latest`.
    pub fn price(&self, provider: Provider, model: &str) -> Option<ModelPrice> {
        let models = &self.providers.get(&provider)?.models;
        if let Some(p) = models.get(model) {
            return Some(*p);
        }
        let base = strip_snapshot(model)?;
        models.get(base).copied()
    }
}

/// `name-YYYYMMDD`, `name-YYYY-MM-DD` or `name-latest` → `name`.
fn strip_snapshot(model: &str) -> Option<&str> {
    if let Some(base) = model.strip_suffix("-latest") {
        return Some(base);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (head, last) = model.rsplit_once('-')?;
    if last.len() == 8 && digits(last) {
        return Some(head);
    }
    // YYYY-MM-DD: three dash-separated numeric parts at the end.
    let (head2, mid) = head.rsplit_once('-')?;
    let (head3, year) = head2.rsplit_once('-')?;
    (year.len() == 4
        && digits(year)
        && mid.len() == 2
        && digits(mid)
        && last.len() == 2
        && digits(last))
    .then_some(head3)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_has_sources() {
        let c = PricingCatalog::builtin();
        for p in [Provider::OpenAi, Provider::Anthropic] {
            let pp = c.provider(p).unwrap();
            assert!(pp.source.starts_with("https://"));
            assert_eq!(pp.as_of.len(), 10);
            assert!(!pp.models.is_empty());
        }
        assert!(c.provider(Provider::Groq).is_none());
    }

    #[test]
    fn snapshots_and_aliases_resolve() {
        let c = PricingCatalog::builtin();
        let mini = c.price(Provider::OpenAi, "gpt-4o-mini").unwrap();
        assert_eq!(mini.input_per_mtok, 150_000);
        assert_eq!(mini.output_per_mtok, 600_000);
        assert_eq!(
            c.price(Provider::OpenAi, "gpt-4o-mini-2024-07-18"),
            Some(mini)
        );
        assert!(c
            .price(Provider::Anthropic, "claude-sonnet-4-5-20250929")
            .is_some());
        assert!(c
            .price(Provider::Anthropic, "claude-3-5-haiku-latest")
            .is_some());
        assert!(c.price(Provider::OpenAi, "my-finetune").is_none());
        assert!(c.price(Provider::Anthropic, "gpt-4o-mini").is_none());
    }

    #[test]
    fn cost_rounds_up_in_micro_dollars() {
        let p = ModelPrice {
            input_per_mtok: 150_000,
            output_per_mtok: 600_000,
        };
        // 1M input = $0.15 = 150 000 µ$.
        assert_eq!(p.cost(Usage::new(1_000_000, 0)), 150_000);
        // 1 input token = 0.15 µ$ → 1 µ$ (rounded up).
        assert_eq!(p.cost(Usage::new(1, 0)), 1);
        assert_eq!(p.cost(Usage::new(0, 0)), 0);
        assert_eq!(p.cost(Usage::new(100, 200)), 15 + 120);
        let dear = ModelPrice {
            input_per_mtok: 2_000_000,
            output_per_mtok: 0,
        };
        assert_eq!(dear.cost(Usage::new(u64::MAX, 0)), u64::MAX);
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(
            PricingCatalog::parse(["provider = 'nope'\nas_of='x'\nsource='y'\n[models]"]).is_err()
        );
        assert!(PricingCatalog::parse([
            "provider = 'openai'\nas_of='x'\nsource='y'\n[models]\nm = { input = -1.0, output = 1.0 }"
        ])
        .is_err());
    }
}
