//! Agent keys: the model behind `till_sk_` tokens, shared by the vault (which seals
//! grants and keeps their ledger) and the gateway (which enforces them).
//!
//! A grant lets one agent spend one parent key within limits: a provider, models,
//! endpoint families, caps on calls, tokens, dollars and requests per minute, an expiry.
//! The token is shown once; only its keyed hash is stored. Prices come from a catalog
//! kept as data, so a dollar cap is only accepted where Till knows the price.

pub mod alerts;
pub mod cap_change;
pub mod grant;
pub mod hosting;
pub mod hourly;
pub mod limits;
pub mod menu;
pub mod pricing;
pub mod snippets;
pub mod token;
pub mod usage;

pub use grant::{
    validate_grant, Caps, EndpointFamily, Grant, GrantError, GrantState, Provider, RUN_CREATOR,
};
pub use pricing::{ModelPrice, PricingCatalog};
pub use token::{Token, TokenError, TokenHash, TokenKey};
pub use usage::{GrantEvent, RefusedCall, Usage, UsageRecord, UsageTotals};
