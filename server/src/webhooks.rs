//! Payment providers' webhooks: `POST /webhooks/stripe` and `POST /webhooks/paypal`, and the
//! page PayPal sends the customer back to, `GET /customer/top-up/paypal-return`. They carry no session and no Origin:
//! the provider's signature authenticates them (the CSRF check leaves `/webhooks/` alone).
//!
//! Answers, as providers expect (<https://docs.stripe.com/webhooks#acknowledge-events-immediately>):
//! 200 when processed or already processed (a replay), 401 for a bad signature (nothing read),
//! 400 for a signed but unreadable event, 503 when the provider is not configured here, and
//! 500 when the database failed (the provider retries; replays are safe).

use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use services::payments::{EventOutcome, WebhookError, paypal, stripe};
use std::collections::HashMap;

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

/// `POST /webhooks/paypal`: the raw body and its `PAYPAL-*` transmission headers, which PayPal
/// verifies.
pub async fn paypal_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(payload) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "the body is not UTF-8 JSON").into_response();
    };
    let transmission: Vec<(&str, String)> = [
        "paypal-auth-algo",
        "paypal-cert-url",
        "paypal-transmission-id",
        "paypal-transmission-sig",
        "paypal-transmission-time",
    ]
    .into_iter()
    .map(|name| {
        let value = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (name, value)
    })
    .collect();
    reply(paypal::handle_webhook(&state.services, payload, &transmission).await)
}

/// `GET /customer/top-up/paypal-return?token=<order id>`: captures the order the customer just
/// approved and shows the Top up page with the payment's state (paid once PayPal's webhook
/// confirms it, or failed with PayPal's reason).
pub async fn paypal_return(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(order) = query.get("token").filter(|t| !t.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            "token: PayPal's order id is missing",
        )
            .into_response();
    };
    match paypal::capture_return(&state.services, order).await {
        Ok(id) => Redirect::to(&format!("/customer/top-up?paid={id}")).into_response(),
        Err(services::ServiceError::NotFound) => {
            (StatusCode::NOT_FOUND, "no top-up has this PayPal order").into_response()
        }
        Err(err) => {
            tracing::error!("PayPal return: {err}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the payment could not be captured: try again",
            )
                .into_response()
        }
    }
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
