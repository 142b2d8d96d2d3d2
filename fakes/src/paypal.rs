//! A fake of the parts of PayPal's REST API that top-ups use:
//!
//! - `POST /v1/oauth2/token` (client credentials in Basic auth; a wrong secret is 401
//!   `invalid_client`, <https://developer.paypal.com/api/rest/authentication/>);
//! - `POST /v2/checkout/orders` (Bearer token, `PayPal-Request-Id` idempotency): an order in
//!   `PAYER_ACTION_REQUIRED` with its `payer-action` link; an amount whose decimals do not fit
//!   its currency is 422 `DECIMAL_PRECISION`, a missing one 400 `MISSING_REQUIRED_PARAMETER`
//!   (<https://developer.paypal.com/docs/api/orders/v2/#orders_create>);
//! - the approval page `GET /checkoutnow?token=<order>`, whose buttons approve the order and go
//!   back to its `return_url?token=<order>&PayerID=…`, or go to its `cancel_url`;
//! - `POST /v2/checkout/orders/{id}/capture`: 422 `ORDER_NOT_APPROVED` before approval, else
//!   `COMPLETED` with its capture; the same `PayPal-Request-Id` answers the same; then
//!   `PAYMENT.CAPTURE.COMPLETED` is delivered to the webhook URL;
//! - `POST /v2/payments/captures/{id}/refund`
//!   (<https://developer.paypal.com/docs/api/payments/v2/#captures_refund>): a refund of at
//!   most what is left of a capture (422 `REFUND_AMOUNT_EXCEEDED` otherwise), then
//!   `PAYMENT.CAPTURE.REFUNDED` is delivered a moment later (or kept for
//!   [`PaypalFake::pending_deliveries`]);
//! - `POST /v1/notifications/verify-webhook-signature`: `SUCCESS` only for a delivery this fake
//!   made, with its transmission headers, event and webhook id; `FAILURE` otherwise;
//! - test controls `POST /_fake/paypal/refund/{capture}?value=10.00` and
//!   `POST /_fake/paypal/dispute/{capture}?value=…&outcome=created|seller|buyer`.
//!
//! PayPal signs deliveries with a certificate (`PAYPAL-TRANSMISSION-SIG`, CRC32 of the body);
//! this fake signs with an HMAC of its own and keeps what it sent, which is all the platform
//! can tell apart: it never checks the signature itself, it asks PayPal.

use crate::common::{Answers, Outgoing, Replay, Webhooks, header_text, serve};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

mod pages;
mod refunds;

/// How the fake is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The REST app's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The id of the webhook PayPal delivers to (verifications must name it).
    pub webhook_id: String,
    /// Where events are delivered (DIDTron's `…/webhooks/paypal`); `None`: tests deliver them.
    pub webhook_url: Option<String>,
}

/// A webhook delivery as PayPal would POST it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The raw JSON body.
    pub payload: String,
    /// The `PAYPAL-*` transmission headers.
    pub headers: Vec<(String, String)>,
    /// The event id, `WH-…`.
    pub id: String,
}

impl Outgoing for Delivery {
    fn body(&self) -> &str {
        &self.payload
    }
    fn signed_headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }
}

struct Inner {
    config: Config,
    base_url: String,
    seq: AtomicU64,
    tokens: Mutex<Vec<String>>,
    orders: Mutex<HashMap<String, Value>>,
    /// By `PayPal-Request-Id`.
    answers: Answers,
    /// Transmission id -> (signature, event id).
    sent: Mutex<HashMap<String, (String, String)>>,
    /// Hundredths refunded per capture.
    refunded: Mutex<HashMap<String, i64>>,
    hooks: Arc<Webhooks<Delivery>>,
}

/// A running fake.
#[derive(Clone)]
pub struct PaypalFake {
    /// `http://127.0.0.1:<port>`, the API base URL to give the client.
    pub base_url: String,
    inner: Arc<Inner>,
}

fn error(status: StatusCode, name: &str, message: &str, issue: Option<(&str, &str)>) -> Response {
    let mut body = json!({ "name": name, "message": message, "debug_id": "fake0001" });
    if let Some((issue, description)) = issue {
        body["details"] = json!([{ "issue": issue, "description": description }]);
    }
    (status, Json(body)).into_response()
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // RFC 3339 without a date library: the fake only needs a readable, increasing stamp.
    format!("1970-01-01T00:00:00Z+{secs}s")
}

impl PaypalFake {
    /// Starts the fake on `127.0.0.1` at `port` (0: any free port).
    ///
    /// # Errors
    /// The port cannot be bound.
    pub async fn start(config: Config, port: u16) -> anyhow::Result<PaypalFake> {
        let mut made = None;
        serve(port, |base_url| {
            let fake = PaypalFake {
                base_url: base_url.clone(),
                inner: Arc::new(Inner {
                    hooks: Arc::new(Webhooks::new(config.webhook_url.clone())),
                    config,
                    base_url,
                    seq: AtomicU64::new(1),
                    tokens: Mutex::new(Vec::new()),
                    orders: Mutex::new(HashMap::new()),
                    answers: Answers::default(),
                    sent: Mutex::new(HashMap::new()),
                    refunded: Mutex::new(HashMap::new()),
                }),
            };
            made = Some(fake.clone());
            Router::new()
                .route("/v1/oauth2/token", post(oauth_token))
                .route("/v2/checkout/orders", post(create_order))
                .route("/v2/checkout/orders/{id}", get(get_order))
                .route("/v2/checkout/orders/{id}/capture", post(capture))
                .route(
                    "/v2/payments/captures/{id}/refund",
                    post(refunds::refund_capture),
                )
                .route(
                    "/v1/notifications/verify-webhook-signature",
                    post(pages::verify),
                )
                .route(
                    "/checkoutnow",
                    get(pages::approve_page).post(pages::approve),
                )
                .route(
                    "/_fake/paypal/refund/{capture}",
                    post(pages::control_refund),
                )
                .route(
                    "/_fake/paypal/dispute/{capture}",
                    post(pages::control_dispute),
                )
                .with_state(fake)
        })
        .await?;
        made.ok_or_else(|| anyhow::anyhow!("the fake was not made"))
    }

    fn next(&self, prefix: &str) -> String {
        format!(
            "{prefix}{:012}",
            self.inner.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// The order `id` as the API would answer it now.
    pub fn order(&self, id: &str) -> Option<Value> {
        self.inner.orders.lock().ok()?.get(id).cloned()
    }

    /// Every order created so far.
    pub fn orders(&self) -> Vec<Value> {
        self.inner
            .orders
            .lock()
            .map(|o| o.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Approves order `id` as its payer would on the approval page.
    pub fn approve_order(&self, id: &str) -> bool {
        let Ok(mut orders) = self.inner.orders.lock() else {
            return false;
        };
        match orders.get_mut(id) {
            Some(order) if order["status"] == "PAYER_ACTION_REQUIRED" => {
                order["status"] = json!("APPROVED");
                order["payer"] =
                    json!({ "payer_id": "FAKEBUYER01", "email_address": "buyer@paypal.example" });
                true
            }
            _ => false,
        }
    }

    /// A signed delivery of event `kind` about `resource`.
    pub fn event(&self, kind: &str, resource: Value) -> Delivery {
        let id = self.next("WH-");
        let transmission = self.next("tx-");
        let payload = json!({
            "id": id,
            "event_version": "1.0",
            "create_time": now(),
            "resource_type": kind.split('.').nth(1).unwrap_or("capture").to_lowercase(),
            "event_type": kind,
            "summary": format!("{kind} (fake)"),
            "resource": resource,
        })
        .to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(self.inner.config.webhook_id.as_bytes())
            .expect("any key length");
        mac.update(format!("{transmission}|{id}").as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        if let Ok(mut sent) = self.inner.sent.lock() {
            sent.insert(transmission.clone(), (signature.clone(), id.clone()));
        }
        Delivery {
            headers: vec![
                ("PAYPAL-AUTH-ALGO".into(), "SHA256withRSA".into()),
                (
                    "PAYPAL-CERT-URL".into(),
                    format!("{}/certs/fake.pem", self.inner.base_url),
                ),
                ("PAYPAL-TRANSMISSION-ID".into(), transmission),
                ("PAYPAL-TRANSMISSION-SIG".into(), signature),
                ("PAYPAL-TRANSMISSION-TIME".into(), now()),
            ],
            payload,
            id,
        }
    }

    /// The capture of a captured order `id`.
    pub fn capture_of(&self, id: &str) -> Option<Value> {
        let order = self.order(id)?;
        let capture = order["purchase_units"][0]["payments"]["captures"][0].clone();
        (!capture.is_null()).then_some(capture)
    }

    /// A `PAYMENT.CAPTURE.REFUNDED` of `value` (e.g. `10.00`) of capture `capture_id`.
    pub fn refund(&self, capture_id: &str, value: &str) -> Option<Delivery> {
        let capture = self.find_capture(capture_id)?;
        let refund = json!({
            "id": self.next("RF"),
            "status": "COMPLETED",
            "amount": { "currency_code": capture["amount"]["currency_code"], "value": value },
            "custom_id": capture["custom_id"],
            "create_time": now(),
            "links": [
                { "href": format!("{}/v2/payments/refunds/x", self.inner.base_url), "rel": "self", "method": "GET" },
                { "href": format!("{}/v2/payments/captures/{capture_id}", self.inner.base_url), "rel": "up", "method": "GET" },
            ],
        });
        Some(self.event("PAYMENT.CAPTURE.REFUNDED", refund))
    }

    /// A dispute of `value` of capture `capture_id`: `outcome` `created` is
    /// `CUSTOMER.DISPUTE.CREATED`, `seller` or `buyer` `CUSTOMER.DISPUTE.RESOLVED` in that party's
    /// favour; `dispute` names it (`None`: a new one).
    pub fn dispute(
        &self,
        capture_id: &str,
        value: &str,
        outcome: &str,
        dispute: Option<&str>,
    ) -> Option<Delivery> {
        let capture = self.find_capture(capture_id)?;
        let id = dispute.map_or_else(|| self.next("PP-D-"), str::to_owned);
        let mut resource = json!({
            "dispute_id": id,
            "create_time": now(),
            "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
            "status": if outcome == "created" { "OPEN" } else { "RESOLVED" },
            "dispute_amount": { "currency_code": capture["amount"]["currency_code"], "value": value },
            "disputed_transactions": [{ "seller_transaction_id": capture_id }],
        });
        let kind = if outcome == "created" {
            "CUSTOMER.DISPUTE.CREATED"
        } else {
            resource["dispute_outcome"] = json!({
                "outcome_code": if outcome == "seller" { "RESOLVED_SELLER_FAVOUR" } else { "RESOLVED_BUYER_FAVOUR" },
            });
            "CUSTOMER.DISPUTE.RESOLVED"
        };
        Some(self.event(kind, resource))
    }

    fn find_capture(&self, capture_id: &str) -> Option<Value> {
        self.orders().into_iter().find_map(|o| {
            let c = o["purchase_units"][0]["payments"]["captures"][0].clone();
            (c["id"] == capture_id).then_some(c)
        })
    }

    /// POSTs `delivery` to the configured webhook URL; returns the HTTP status.
    ///
    /// # Errors
    /// No webhook URL, or it cannot be reached.
    pub async fn deliver(&self, delivery: &Delivery) -> anyhow::Result<u16> {
        self.inner.hooks.deliver(delivery).await
    }

    /// The deliveries API calls made while no webhook URL was set, oldest first (taken).
    pub fn pending_deliveries(&self) -> Vec<Delivery> {
        self.inner.hooks.take_pending()
    }
}

fn bearer_ok(fake: &PaypalFake, headers: &HeaderMap) -> bool {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    token.is_some_and(|t| {
        fake.inner
            .tokens
            .lock()
            .is_ok_and(|tokens| tokens.iter().any(|k| k == t))
    })
}

fn no_token() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
        None,
    )
}

async fn oauth_token(State(fake): State<PaypalFake>, headers: HeaderMap, body: String) -> Response {
    use base64::Engine as _;
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!(
        "{}:{}",
        fake.inner.config.client_id, fake.inner.config.client_secret
    );
    if basic.as_deref() != Some(expected.as_str())
        || !body.contains("grant_type=client_credentials")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Client Authentication failed" })),
        )
            .into_response();
    }
    let token = fake.next("A21AA-fake-");
    if let Ok(mut tokens) = fake.inner.tokens.lock() {
        tokens.push(token.clone());
    }
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-FAKE",
        "expires_in": 32400,
        "nonce": "fake",
    }))
    .into_response()
}

/// Decimals PayPal takes per currency (<https://developer.paypal.com/api/rest/reference/currency-codes/>).
fn decimals(currency: &str) -> usize {
    match currency {
        "JPY" | "HUF" | "TWD" => 0,
        _ => 2,
    }
}

async fn create_order(
    State(fake): State<PaypalFake>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return no_token();
    }
    let request_id = header_text(&headers, "paypal-request-id");
    if let Replay::Same(answer) = fake
        .inner
        .answers
        .replay(request_id.as_deref(), &body, true)
    {
        return Json(answer).into_response();
    }
    let Ok(request) = serde_json::from_str::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Request is not well-formed.",
            Some((
                "MALFORMED_REQUEST_JSON",
                "The request JSON is not well formed.",
            )),
        );
    };
    if request["intent"] != "CAPTURE" && request["intent"] != "AUTHORIZE" {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Request is not well-formed.",
            Some((
                "MISSING_REQUIRED_PARAMETER",
                "/intent: A required field / parameter is missing.",
            )),
        );
    }
    let unit = &request["purchase_units"][0];
    let (Some(currency), Some(value)) = (
        unit["amount"]["currency_code"].as_str(),
        unit["amount"]["value"].as_str(),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Request is not well-formed.",
            Some((
                "MISSING_REQUIRED_PARAMETER",
                "/purchase_units/0/amount: A required field / parameter is missing.",
            )),
        );
    };
    let places = value.split_once('.').map_or(0, |(_, f)| f.len());
    if places > decimals(currency) || value.parse::<f64>().map_or(true, |v| v <= 0.0) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            "The requested action could not be performed.",
            Some((
                "DECIMAL_PRECISION",
                "If the currency supports decimals, only two decimal place precision is supported.",
            )),
        );
    }
    let id = fake.next("5O190127TN");
    let order = json!({
        "id": id,
        "intent": request["intent"],
        "status": "PAYER_ACTION_REQUIRED",
        "create_time": now(),
        "payment_source": { "paypal": {} },
        "purchase_units": [unit],
        "experience": request["payment_source"]["paypal"]["experience_context"],
        "links": [
            { "href": format!("{}/v2/checkout/orders/{id}", fake.inner.base_url), "rel": "self", "method": "GET" },
            { "href": format!("{}/checkoutnow?token={id}", fake.inner.base_url), "rel": "payer-action", "method": "GET" },
        ],
    });
    if let Ok(mut orders) = fake.inner.orders.lock() {
        orders.insert(id.clone(), order.clone());
    }
    let answer = json!({ "id": id, "status": order["status"], "payment_source": order["payment_source"], "links": order["links"] });
    fake.inner.answers.keep(request_id, &body, &answer);
    Json(answer).into_response()
}

async fn get_order(
    State(fake): State<PaypalFake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return no_token();
    }
    match fake.order(&id) {
        Some(o) => Json(o).into_response(),
        None => not_found(),
    }
}

async fn capture(
    State(fake): State<PaypalFake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !bearer_ok(&fake, &headers) {
        return no_token();
    }
    let request_id = header_text(&headers, "paypal-request-id");
    if let Replay::Same(answer) = fake.inner.answers.replay(request_id.as_deref(), "", false) {
        return Json(answer).into_response();
    }
    let captured = {
        let Ok(mut orders) = fake.inner.orders.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let Some(order) = orders.get_mut(&id) else {
            return not_found();
        };
        match order["status"].as_str() {
            Some("APPROVED") => {}
            Some("COMPLETED") => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "UNPROCESSABLE_ENTITY",
                    "The requested action could not be performed.",
                    Some(("ORDER_ALREADY_CAPTURED", "Order already captured.")),
                );
            }
            _ => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "UNPROCESSABLE_ENTITY",
                    "The requested action could not be performed.",
                    Some((
                        "ORDER_NOT_APPROVED",
                        "Payer has not yet approved the Order for payment.",
                    )),
                );
            }
        }
        let capture = json!({
            "id": format!("3C{}", &id[10..]),
            "status": "COMPLETED",
            "amount": order["purchase_units"][0]["amount"],
            "custom_id": order["purchase_units"][0]["custom_id"],
            "final_capture": true,
            "create_time": now(),
            "supplementary_data": { "related_ids": { "order_id": id } },
        });
        order["status"] = json!("COMPLETED");
        order["purchase_units"][0]["payments"] = json!({ "captures": [capture] });
        order.clone()
    };
    fake.inner.answers.keep(request_id, "", &captured);
    // PayPal tells the webhook a moment after it answers the capture.
    let capture = captured["purchase_units"][0]["payments"]["captures"][0].clone();
    let delivery = fake.event("PAYMENT.CAPTURE.COMPLETED", capture);
    fake.inner.hooks.send_later(delivery);
    (StatusCode::CREATED, Json(captured)).into_response()
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "The specified resource does not exist.",
        Some((
            "INVALID_RESOURCE_ID",
            "Specified resource ID does not exist.",
        )),
    )
}
