//! Payment providers' webhooks: `POST /webhooks/stripe`. They carry no session and no Origin:
//! the provider's signature authenticates them (the CSRF check leaves `/webhooks/` alone).
//!
//! Answers, as providers expect (<https://docs.stripe.com/webhooks#acknowledge-events-immediately>):
//! 200 when processed or already processed (a replay), 401 for a bad signature (nothing read),
//! 400 for a signed but unreadable event, 503 when the provider is not configured here, and
//! 500 when the database failed (the provider retries; replays are safe).

use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use services::payments::{EventOutcome, WebhookError, stripe};

/// `POST /webhooks/stripe`: the raw body and its `Stripe-Signature` header.
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(payload) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "the body is not UTF-8 JSON").into_response();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    reply(stripe::handle_webhook(&state.services, payload, signature).await)
}

fn reply(outcome: Result<EventOutcome, WebhookError>) -> Response {
    match outcome {
        Ok(EventOutcome::Processed(what)) => {
            Json(serde_json::json!({ "received": true, "outcome": what })).into_response()
        }
        Ok(EventOutcome::Replayed) => {
            Json(serde_json::json!({ "received": true, "outcome": "already processed" }))
                .into_response()
        }
        Err(err) => {
            let status = match &err {
                WebhookError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
                WebhookError::BadSignature(_) => StatusCode::UNAUTHORIZED,
                WebhookError::BadEvent(_) => StatusCode::BAD_REQUEST,
                WebhookError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status.is_server_error() {
                tracing::error!("webhook: {err}");
            } else {
                tracing::warn!("webhook refused: {err}");
            }
            (
                status,
                Json(serde_json::json!({ "error": err.to_string() })),
            )
                .into_response()
        }
    }
}
