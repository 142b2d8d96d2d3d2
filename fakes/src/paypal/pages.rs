//! The parts of the PayPal fake that are not API calls: the payer's approval page, the
//! verification of deliveries, and the test controls that send refunds and disputes.

use super::{Delivery, PaypalFake, bearer_ok, no_token};
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) async fn verify(
    State(fake): State<PaypalFake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return no_token();
    }
    let ok = body["webhook_id"] == fake.inner.config.webhook_id.as_str()
        && fake.inner.sent.lock().is_ok_and(|sent| {
            body["transmission_id"]
                .as_str()
                .and_then(|t| sent.get(t))
                .is_some_and(|(sig, event)| {
                    body["transmission_sig"] == sig.as_str()
                        && body["webhook_event"]["id"] == event.as_str()
                })
        });
    Json(json!({ "verification_status": if ok { "SUCCESS" } else { "FAILURE" } })).into_response()
}

pub(super) async fn approve_page(
    State(fake): State<PaypalFake>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(order) = q.get("token").and_then(|t| fake.order(t)) else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let amount = &order["purchase_units"][0]["amount"];
    Html(format!(
        "<!doctype html><html><head><title>PayPal (sandbox fake)</title></head><body>\
         <h1>PayPal sandbox checkout</h1><p id=\"amount\">{} {}</p>\
         <form method=\"post\"><button name=\"action\" value=\"approve\">Pay with PayPal</button>\
         <button name=\"action\" value=\"cancel\">Cancel and return</button></form></body></html>",
        amount["value"].as_str().unwrap_or_default(),
        amount["currency_code"].as_str().unwrap_or_default(),
    ))
    .into_response()
}

pub(super) async fn approve(
    State(fake): State<PaypalFake>,
    Query(q): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(id) = q.get("token") else {
        return (StatusCode::BAD_REQUEST, "no token").into_response();
    };
    let Some(order) = fake.order(id) else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let experience = &order["experience"];
    if form.get("action").map(String::as_str) == Some("cancel") {
        return Redirect::to(experience["cancel_url"].as_str().unwrap_or("/")).into_response();
    }
    fake.approve_order(id);
    let back = experience["return_url"].as_str().unwrap_or("/");
    let join = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{join}token={id}&PayerID=FAKEBUYER01")).into_response()
}

pub(super) async fn control_refund(
    State(fake): State<PaypalFake>,
    Path(capture): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let value = q.get("value").cloned().unwrap_or_default();
    reply(&fake, fake.refund(&capture, &value)).await
}

pub(super) async fn control_dispute(
    State(fake): State<PaypalFake>,
    Path(capture): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let value = q.get("value").cloned().unwrap_or_default();
    let outcome = q.get("outcome").map_or("created", String::as_str);
    let delivery = fake.dispute(
        &capture,
        &value,
        outcome,
        q.get("dispute").map(String::as_str),
    );
    reply(&fake, delivery).await
}

async fn reply(fake: &PaypalFake, delivery: Option<Delivery>) -> Response {
    fake.inner
        .hooks
        .control_reply(delivery, |d| d.id.clone(), "no such capture")
        .await
}
