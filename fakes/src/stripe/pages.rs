//! The parts of the Stripe fake that are not API calls: the hosted payment page and the test
//! controls that send refunds and disputes.

use super::{SignedEvent, StripeFake};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) async fn pay_page(State(fake): State<StripeFake>, Path(id): Path<String>) -> Response {
    let Some(s) = fake.session(&id) else {
        return (StatusCode::NOT_FOUND, "no such session").into_response();
    };
    let amount = s["amount_total"].as_i64().unwrap_or_default();
    let currency = s["currency"].as_str().unwrap_or_default().to_uppercase();
    Html(format!(
        "<!doctype html><html><head><title>Pay (Stripe test mode)</title></head><body>\
         <h1>Stripe test checkout</h1><p id=\"amount\">{}.{:02} {}</p>\
         <form method=\"post\"><label>Card number <input name=\"card\" value=\"4242 4242 4242 4242\"></label>\
         <button name=\"action\" value=\"pay\">Pay</button>\
         <button name=\"action\" value=\"cancel\">Cancel</button></form></body></html>",
        amount / 100,
        amount % 100,
        escape(&currency)
    ))
    .into_response()
}

pub(super) async fn pay(
    State(fake): State<StripeFake>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(s) = fake.session(&id) else {
        return (StatusCode::NOT_FOUND, "no such session").into_response();
    };
    if form.get("action").map(String::as_str) == Some("cancel") {
        let back = s["cancel_url"].as_str().unwrap_or("/").to_owned();
        return Redirect::to(&back).into_response();
    }
    let card = form
        .get("card")
        .cloned()
        .unwrap_or_else(|| super::TEST_CARD.to_owned());
    let Some(event) = fake.complete_with_card(&id, true, &card) else {
        return (StatusCode::NOT_FOUND, "no such session").into_response();
    };
    match fake.deliver(&event).await {
        Ok(200..=299) => {
            let back = s["success_url"].as_str().unwrap_or("/").to_owned();
            Redirect::to(&back).into_response()
        }
        Ok(status) => (
            StatusCode::BAD_GATEWAY,
            format!("the webhook answered {status}"),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("webhook: {e}")).into_response(),
    }
}

async fn deliver_reply(fake: &StripeFake, event: Option<SignedEvent>) -> Response {
    fake.inner
        .hooks
        .control_reply(event, |e| e.id.clone(), "no such session")
        .await
}

pub(super) async fn control_refund(
    State(fake): State<StripeFake>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let amount = q.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let event = fake.refund(&id, amount);
    deliver_reply(&fake, event).await
}

pub(super) async fn control_dispute(
    State(fake): State<StripeFake>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let amount = q.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let status = q.get("status").map_or("needs_response", String::as_str);
    let event = fake.dispute(&id, amount, status, q.get("dispute").map(String::as_str));
    deliver_reply(&fake, event).await
}
