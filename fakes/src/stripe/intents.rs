//! PaymentIntents as the fake's paid sessions make them: refunds of them
//! (<https://docs.stripe.com/api/refunds/create>) and their retrieval with the card that paid
//! (<https://docs.stripe.com/api/payment_intents/retrieve>).

use super::{StripeFake, TEST_CARD, authorised, error, replayed, unauthorised};
use crate::common::header_text;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

pub(super) async fn get_payment_intent(
    State(fake): State<StripeFake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&fake, &headers) {
        return unauthorised();
    }
    let Some(session) = fake
        .sessions()
        .into_iter()
        .find(|s| s["payment_intent"] == id.as_str())
    else {
        return error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            &format!("No such payment_intent: '{id}'"),
            Some("intent"),
        );
    };
    let session_id = session["id"].as_str().unwrap_or_default();
    let card = fake
        .inner
        .cards
        .lock()
        .ok()
        .and_then(|c| c.get(session_id).cloned())
        .unwrap_or_else(|| TEST_CARD.to_owned());
    let mut digest = Sha256::new();
    digest.update(card.as_bytes());
    let fingerprint: String = hex::encode(digest.finalize()).chars().take(16).collect();
    let amount = session["amount_total"].as_i64().unwrap_or_default();
    let paid = session["payment_status"] == "paid";
    Json(json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": if paid { amount } else { 0 },
        "capture_method": "automatic_async",
        "confirmation_method": "automatic",
        "created": session["created"],
        "currency": session["currency"],
        "livemode": false,
        "metadata": {},
        "payment_method_types": ["card"],
        "status": if paid { "succeeded" } else { "requires_payment_method" },
        "payment_method": {
            "id": format!("pm_{}", &id[3..]),
            "object": "payment_method",
            "billing_details": { "address": null, "email": null, "name": null, "phone": null },
            "created": session["created"],
            "livemode": false,
            "type": "card",
            "card": {
                "brand": "visa",
                "exp_month": 12,
                "exp_year": 2030,
                "funding": "credit",
                "last4": card.get(card.len().saturating_sub(4)..).unwrap_or_default(),
                "fingerprint": fingerprint,
            },
        },
    }))
    .into_response()
}

pub(super) async fn create_refund(
    State(fake): State<StripeFake>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&fake, &headers) {
        return unauthorised();
    }
    let key = header_text(&headers, "idempotency-key");
    if let Some(answer) = replayed(&fake, key.as_deref(), &body) {
        return answer;
    }
    let params: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let intent = params.get("payment_intent").cloned().unwrap_or_default();
    let Some(session) = fake
        .sessions()
        .into_iter()
        .find(|s| s["payment_intent"] == intent.as_str() && s["payment_status"] == "paid")
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("No such payment_intent: '{intent}'"),
            Some("payment_intent"),
        );
    };
    let id = session["id"].as_str().unwrap_or_default().to_owned();
    let total = session["amount_total"].as_i64().unwrap_or_default();
    let Ok(mut refunded) = fake.inner.refunded.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let done = refunded.get(&id).copied().unwrap_or(0);
    let amount = params
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(total - done);
    if amount <= 0 || done + amount > total {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!(
                "Refund amount ({amount}) is greater than unrefunded amount on charge ({})",
                total - done
            ),
            Some("amount"),
        );
    }
    refunded.insert(id.clone(), done + amount);
    drop(refunded);
    let Some(event) = fake.refund(&id, amount) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let refund = serde_json::from_str::<Value>(&event.payload)
        .map(|e| e["data"]["object"].clone())
        .unwrap_or_default();
    fake.inner.answers.keep(key, &body, &refund);
    fake.inner.hooks.send_later(event);
    Json(refund).into_response()
}
