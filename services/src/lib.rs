//! DIDTron's server-only use cases.
//!
//! Storage (SeaORM on SQLite or PostgreSQL), typed settings, identity and sessions, login rate
//! limits, the audit log, white-label tenants, customers with their categories, groups and
//! features, and API keys. Nothing here knows about HTTP or HTML: the `app` crate's server
//! functions and the `server` crate call these functions and map [`ServiceError`] to responses.

pub mod api_keys;
pub mod audit;
pub mod balances;
pub mod carriers;
pub mod categories;
pub mod cdrs;
pub mod customers;
pub mod db;
pub mod decks;
pub mod destinations;
pub mod entities;
pub mod error;
pub mod features;
pub mod fx;
pub mod jobs;
pub mod lcr;
pub mod ledger;
pub mod passwords;
pub mod payments;
pub mod preferences;
pub mod public_rates;
pub mod rate_limit;
pub mod referrals;
pub mod reports;
pub mod routes;
pub mod seed;
pub mod sell_cards;
pub mod session_store;
pub mod settings;
pub mod signup;
pub mod state;
pub mod statements;
pub mod storage;
pub mod tenancy;
pub mod tenants;
pub mod tiers;
pub mod users;
pub mod validate;

pub use error::{FieldError, ServiceError};
pub use settings::Settings;
pub use state::Services;
