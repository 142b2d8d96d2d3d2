//! The errors of every use case. The web layer maps them to status codes: `Validation` 422,
//! `Conflict` 409, `NotFound` 404, `Forbidden` 403, `Unauthorized` 401, `RateLimited` 429,
//! `Unexpected` 500 (logged in full, shown as "internal error" with a reference id).

use serde::{Deserialize, Serialize};

/// One invalid form field: its name (as in the form) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's name, e.g. `email`.
    pub field: String,
    /// What is wrong and how to fix it, e.g. `must contain @`.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error of a use case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule; each entry names its field.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Validation(Vec<FieldError>),
    /// A unique value already taken, e.g. an e-mail address.
    #[error("{field} is already in use")]
    Conflict {
        /// The field whose value is taken.
        field: String,
    },
    /// The object does not exist (or is not visible to the caller).
    #[error("not found")]
    NotFound,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Wrong credentials or no session.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many attempts; retry after this many seconds.
    #[error("too many attempts: try again in {retry_after_seconds} s")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_seconds: u64,
    },
    /// Anything else: a bug or an outage.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ServiceError {
    /// A validation error on one field.
    pub fn field(field: &str, message: &str) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(err: sea_orm::DbErr) -> Self {
        ServiceError::Unexpected(anyhow::Error::new(err).context("database"))
    }
}

/// Maps a unique-constraint violation to [`ServiceError::Conflict`] on `field`; anything else to
/// `Unexpected`.
pub fn conflict_on(field: &str) -> impl FnOnce(sea_orm::DbErr) -> ServiceError + '_ {
    move |err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict {
            field: field.to_owned(),
        },
        _ => err.into(),
    }
}

/// The error type behind [`ServiceError::Unexpected`], re-exported for callers that build one.
pub type AnyError = anyhow::Error;
