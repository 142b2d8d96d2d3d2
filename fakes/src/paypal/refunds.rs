//! Refunds of captures, as `POST /v2/payments/captures/{id}/refund` answers them
//! (<https://developer.paypal.com/docs/api/payments/v2/#captures_refund>).

use super::{PaypalFake, bearer_ok, error, no_token, not_found};
use crate::common::{Replay, header_text};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `"12.34"` as hundredths.
fn hundredths(value: &str) -> Option<i64> {
    let (whole, frac) = value.split_once('.').unwrap_or((value, "0"));
    if frac.len() > 2 {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").parse::<i64>().ok()?)
}

pub(super) async fn refund_capture(
    State(fake): State<PaypalFake>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return no_token();
    }
    let request_id = header_text(&headers, "paypal-request-id");
    if let Replay::Same(answer) = fake.inner.answers.replay(request_id.as_deref(), "", false) {
        return (StatusCode::CREATED, Json(answer)).into_response();
    }
    let Some(capture) = fake.find_capture(&id) else {
        return not_found();
    };
    let total = capture["amount"]["value"]
        .as_str()
        .and_then(hundredths)
        .unwrap_or(0);
    let value = body["amount"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let asked = hundredths(&value).unwrap_or(0);
    let Ok(mut refunded) = fake.inner.refunded.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let done = refunded.get(&id).copied().unwrap_or(0);
    if asked <= 0 || done + asked > total {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            "The requested action could not be performed.",
            Some((
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
            )),
        );
    }
    refunded.insert(id.clone(), done + asked);
    drop(refunded);
    let Some(delivery) = fake.refund(&id, &value) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let refund = serde_json::from_str::<Value>(&delivery.payload)
        .map(|e| e["resource"].clone())
        .unwrap_or_default();
    fake.inner.answers.keep(request_id, "", &refund);
    fake.inner.hooks.send_later(delivery);
    (StatusCode::CREATED, Json(refund)).into_response()
}
