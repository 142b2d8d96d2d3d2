//! The error every server function returns: serialisable, with a stable code and a message that
//! is safe to show. Unexpected errors are logged in full on the server and reach the browser as
//! "internal error" with a reference id to find the log line.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// One invalid form field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The form field's `name`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A server function's error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 422: some fields are invalid.
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
    Validation(Vec<FieldProblem>),
    /// 409: a unique value is taken.
    #[error("{field} is already in use")]
    Conflict {
        /// The field whose value is taken.
        field: String,
    },
    /// 404.
    #[error("not found")]
    NotFound,
    /// 403.
    #[error("you do not have access to this")]
    Forbidden,
    /// 401: not signed in, or wrong credentials (the message says which).
    #[error("{0}")]
    Unauthorized(String),
    /// 429.
    #[error("too many failed attempts: try again in {} minutes", retry_after_seconds.div_ceil(60))]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_seconds: u64,
    },
    /// 500: logged on the server under `reference`.
    #[error("internal error (reference {reference})")]
    Internal {
        /// The id of the server's log line.
        reference: String,
    },
    /// The request itself was malformed (bad encoding, missing argument).
    #[error("bad request: {0}")]
    Request(String),
}

impl AppError {
    /// The stable code of this error, e.g. `validation`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation",
            AppError::Conflict { .. } => "conflict",
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal { .. } => "internal",
            AppError::Request(_) => "bad_request",
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::Conflict { .. } => 409,
            AppError::NotFound => 404,
            AppError::Forbidden => 403,
            AppError::Unauthorized(_) => 401,
            AppError::RateLimited { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Request(_) => 400,
        }
    }

    /// The message for `field`, when this error names it (a conflict names its field too).
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(problems) => problems
                .iter()
                .find(|p| p.field == field)
                .map(|p| p.message.clone()),
            AppError::Conflict { field: f } if f == field => Some("is already in use".to_owned()),
            _ => None,
        }
    }

    /// A message for the whole form: everything not tied to a field shown on it.
    pub fn general_message(&self, fields_on_form: &[&str]) -> Option<String> {
        match self {
            AppError::Validation(problems) => {
                let rest: Vec<_> = problems
                    .iter()
                    .filter(|p| !fields_on_form.contains(&p.field.as_str()))
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect();
                (!rest.is_empty()).then(|| rest.join("; "))
            }
            AppError::Conflict { field } if fields_on_form.contains(&field.as_str()) => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<services::ServiceError> for AppError {
    fn from(err: services::ServiceError) -> Self {
        use services::ServiceError as S;
        match err {
            S::Validation(fields) => AppError::Validation(
                fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
            ),
            S::Conflict { field } => AppError::Conflict { field },
            S::NotFound => AppError::NotFound,
            S::Forbidden => AppError::Forbidden,
            S::Unauthorized(message) => AppError::Unauthorized(message),
            S::RateLimited {
                retry_after_seconds,
            } => AppError::RateLimited {
                retry_after_seconds,
            },
            S::Unexpected(err) => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(reference, error = ?err, "unexpected error");
                AppError::Internal { reference }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_and_general_messages() {
        let err = AppError::Validation(vec![
            FieldProblem {
                field: "email".into(),
                message: "is required".into(),
            },
            FieldProblem {
                field: "role".into(),
                message: "unknown role".into(),
            },
        ]);
        assert_eq!(err.for_field("email").as_deref(), Some("is required"));
        assert_eq!(
            err.general_message(&["email"]).as_deref(),
            Some("role: unknown role")
        );
        assert_eq!(err.status(), 422);
        let conflict = AppError::Conflict {
            field: "email".into(),
        };
        assert_eq!(
            conflict.for_field("email").as_deref(),
            Some("is already in use")
        );
        assert_eq!(conflict.general_message(&["email"]), None);
        assert_eq!(
            AppError::RateLimited {
                retry_after_seconds: 61
            }
            .to_string(),
            "too many failed attempts: try again in 2 minutes"
        );
    }
}
