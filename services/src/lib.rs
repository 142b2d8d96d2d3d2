//! DIDTron's server-only use cases.
//!
//! Storage (SeaORM on SQLite or PostgreSQL), typed settings, identity and sessions, login rate
//! limits and the audit log. Nothing here knows about HTTP or HTML: the `app` crate's server
//! functions and the `server` crate call these functions and map [`ServiceError`] to responses.

pub mod audit;
pub mod db;
pub mod entities;
pub mod error;
pub mod passwords;
pub mod preferences;
pub mod rate_limit;
pub mod seed;
pub mod session_store;
pub mod settings;
pub mod state;
pub mod users;

pub use error::{FieldError, ServiceError};
pub use settings::Settings;
pub use state::Services;
