//! Till's agent-key gateway.
//!
//! An agent gets a `till_sk_…` token instead of a provider key. This crate is the loopback
//! proxy that accepts such a token, checks the grant behind it (provider, models, endpoints,
//! caps, expiry, state), reserves the worst-case cost, swaps in the real key, forwards over
//! rustls and settles the budget from the provider's own usage report.
//!
//! Everything it needs from storage goes through the [`GrantStore`] trait: [`VaultStore`]
//! serves the vault's sealed grants (the model itself is `till_core::agents`), and
//! [`MemoryStore`] is the in-memory one the tests use.

#![forbid(unsafe_code)]

pub use till_core::agents::{grant, pricing, token};

pub mod budget;
pub mod clock;
pub mod error;
pub mod hosted;
pub mod proxy;
pub mod routes;
pub mod server;
pub mod store;
pub mod usage;
pub mod vault_store;

pub use budget::{Amount, Budget, BudgetBook, Refusal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ErrorCode, GatewayError};
pub use grant::{validate_grant, Caps, EndpointFamily, Grant, GrantError, GrantState, Provider};
pub use hosted::HostedGateway;
pub use pricing::{ModelPrice, PricingCatalog};
pub use server::{Config, Gateway, RunningGateway, Upstream, UpstreamError, Upstreams};
pub use store::{ActiveGrant, GrantEvent, GrantStore, MemoryStore, StoreError, UsageRecord};
pub use token::{Token, TokenError, TokenHash, TokenKey};
pub use usage::{Usage, UsageTotals};
pub use vault_store::VaultStore;
