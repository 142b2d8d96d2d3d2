//! A fake of the parts of Stripe that top-ups use:
//!
//! - `POST /v1/checkout/sessions` (form-encoded, `Authorization: Bearer <secret key>`,
//!   `Idempotency-Key`): answers a Checkout Session object as the API reference shows it
//!   (<https://docs.stripe.com/api/checkout/sessions/object>); a wrong key is 401, a missing or
//!   bad parameter 400 naming it, an amount under the 0.50 minimum 400
//!   (<https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts>), a reused
//!   idempotency key with other parameters 400 `idempotency_error`;
//! - `GET /v1/checkout/sessions/{id}`;
//! - `GET /v1/payment_intents/{id}` (`expand[]=payment_method`): a paid session's PaymentIntent
//!   with its card, whose `fingerprint` is the same for the same card number
//!   (<https://docs.stripe.com/api/payment_intents/retrieve>);
//! - `POST /v1/refunds` (`payment_intent`, `amount`; <https://docs.stripe.com/api/refunds/create>):
//!   a refund of a paid session's payment, at most what is left (400 naming `amount`
//!   otherwise), then `refund.created` is delivered a moment later (or kept for
//!   [`StripeFake::pending_events`] when no webhook URL is set);
//! - the hosted payment page `GET /pay/{id}`, whose Pay and Cancel buttons complete the session,
//!   deliver a signed `checkout.session.completed` to the webhook URL, and redirect to the
//!   session's `success_url` or `cancel_url`;
//! - test controls `POST /_fake/refund/{session}?amount=N` and
//!   `POST /_fake/dispute/{session}?amount=N&status=needs_response|won|lost`, which deliver
//!   `refund.created`, `charge.dispute.created` or `charge.dispute.closed`.
//!
//! Events are signed as Stripe signs them: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "<t>.<payload>" with the endpoint secret>` (<https://docs.stripe.com/webhooks#verify-manually>).

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

mod intents;
mod pages;

/// The card number sessions are paid with unless a test says otherwise (Stripe's test Visa).
pub const TEST_CARD: &str = "4242424242424242";

/// The API version the events say they are rendered in (async-stripe 1.0.0-rc.10's).
pub const API_VERSION: &str = "2026-09-30.endive";

/// How the fake is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The secret key requests must carry, e.g. `sk_test_didtron`.
    pub secret_key: String,
    /// The webhook endpoint's signing secret, e.g. `whsec_didtron`.
    pub webhook_secret: String,
    /// Where events are delivered (DIDTron's `…/webhooks/stripe`); `None`: tests deliver them.
    pub webhook_url: Option<String>,
}

/// A signed event, as Stripe would POST it.
#[derive(Debug, Clone)]
pub struct SignedEvent {
    /// The raw JSON body.
    pub payload: String,
    /// The `Stripe-Signature` header.
    pub signature: String,
    /// The event id, `evt_…`.
    pub id: String,
}

impl Outgoing for SignedEvent {
    fn body(&self) -> &str {
        &self.payload
    }
    fn signed_headers(&self) -> Vec<(String, String)> {
        vec![("Stripe-Signature".to_owned(), self.signature.clone())]
    }
}

struct Inner {
    config: Config,
    base_url: String,
    seq: AtomicU64,
    sessions: Mutex<HashMap<String, Value>>,
    answers: Answers,
    /// Minor units refunded per session.
    refunded: Mutex<HashMap<String, i64>>,
    /// The card number each paid session was paid with.
    cards: Mutex<HashMap<String, String>>,
    hooks: Arc<Webhooks<SignedEvent>>,
}

/// A running fake; dropping it leaves the server running until the runtime stops.
#[derive(Clone)]
pub struct StripeFake {
    /// `http://127.0.0.1:<port>`, the API base URL to give the client.
    pub base_url: String,
    inner: Arc<Inner>,
}

/// `Stripe-Signature` of `payload` at unix time `t` with `secret`.
pub fn signature(payload: &str, secret: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub(super) fn error(
    status: StatusCode,
    kind: &str,
    message: &str,
    param: Option<&str>,
) -> Response {
    let mut body = json!({ "error": { "type": kind, "message": message } });
    if let Some(p) = param {
        body["error"]["param"] = json!(p);
    }
    (status, Json(body)).into_response()
}

impl StripeFake {
    /// Starts the fake on `127.0.0.1` at `port` (0: any free port).
    ///
    /// # Errors
    /// The port cannot be bound.
    pub async fn start(config: Config, port: u16) -> anyhow::Result<StripeFake> {
        let mut made = None;
        serve(port, |base_url| {
            let fake = StripeFake {
                base_url: base_url.clone(),
                inner: Arc::new(Inner {
                    hooks: Arc::new(Webhooks::new(config.webhook_url.clone())),
                    config,
                    base_url,
                    seq: AtomicU64::new(1),
                    sessions: Mutex::new(HashMap::new()),
                    answers: Answers::default(),
                    refunded: Mutex::new(HashMap::new()),
                    cards: Mutex::new(HashMap::new()),
                }),
            };
            made = Some(fake.clone());
            Router::new()
                .route("/v1/checkout/sessions", post(create_session))
                .route("/v1/checkout/sessions/{id}", get(get_session))
                .route("/v1/refunds", post(intents::create_refund))
                .route("/v1/payment_intents/{id}", get(intents::get_payment_intent))
                .route("/pay/{id}", get(pages::pay_page).post(pages::pay))
                .route("/_fake/refund/{id}", post(pages::control_refund))
                .route("/_fake/dispute/{id}", post(pages::control_dispute))
                .with_state(fake)
        })
        .await?;
        made.ok_or_else(|| anyhow::anyhow!("the fake was not made"))
    }

    fn next_id(&self, prefix: &str) -> String {
        format!(
            "{prefix}_test_{:08}",
            self.inner.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// The session `id` as the API would answer it now.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.inner.sessions.lock().ok()?.get(id).cloned()
    }

    /// Every session created so far.
    pub fn sessions(&self) -> Vec<Value> {
        self.inner
            .sessions
            .lock()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Signs `object` as an event of `kind`, timed now.
    pub fn event(&self, kind: &str, object: Value) -> SignedEvent {
        self.event_at(kind, object, now())
    }

    /// Signs `object` as an event of `kind` with the signature time `t` (tests of the
    /// five-minute tolerance use an old one).
    pub fn event_at(&self, kind: &str, object: Value, t: i64) -> SignedEvent {
        let id = self.next_id("evt");
        let payload = json!({
            "id": id,
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "type": kind,
        })
        .to_string();
        SignedEvent {
            signature: signature(&payload, &self.inner.config.webhook_secret, t),
            payload,
            id,
        }
    }

    /// Marks session `id` paid (`paid = true`) or left unpaid (a bank debit on its way) and
    /// complete, and returns its signed `checkout.session.completed`; paid with the test card
    /// [`TEST_CARD`].
    pub fn complete(&self, id: &str, paid: bool) -> Option<SignedEvent> {
        self.complete_with_card(id, paid, TEST_CARD)
    }

    /// As [`StripeFake::complete`], paid with card number `card`.
    pub fn complete_with_card(&self, id: &str, paid: bool, card: &str) -> Option<SignedEvent> {
        if let Ok(mut cards) = self.inner.cards.lock() {
            cards.insert(
                id.to_owned(),
                card.chars().filter(char::is_ascii_digit).collect(),
            );
        }
        let session = {
            let mut sessions = self.inner.sessions.lock().ok()?;
            let s = sessions.get_mut(id)?;
            s["status"] = json!("complete");
            s["payment_status"] = json!(if paid { "paid" } else { "unpaid" });
            s["payment_intent"] = json!(format!("pi_{}", &id[3..]));
            s.clone()
        };
        Some(self.event("checkout.session.completed", session))
    }

    /// The signed event that a session's delayed payment succeeded.
    pub fn async_paid(&self, id: &str) -> Option<SignedEvent> {
        let session = {
            let mut sessions = self.inner.sessions.lock().ok()?;
            let s = sessions.get_mut(id)?;
            s["payment_status"] = json!("paid");
            s.clone()
        };
        Some(self.event("checkout.session.async_payment_succeeded", session))
    }

    /// Expires session `id` and returns its signed `checkout.session.expired`.
    pub fn expire(&self, id: &str) -> Option<SignedEvent> {
        let session = {
            let mut sessions = self.inner.sessions.lock().ok()?;
            let s = sessions.get_mut(id)?;
            s["status"] = json!("expired");
            s.clone()
        };
        Some(self.event("checkout.session.expired", session))
    }

    /// A signed `refund.created` of `amount` minor units of session `id`'s payment.
    pub fn refund(&self, id: &str, amount: i64) -> Option<SignedEvent> {
        let s = self.session(id)?;
        let refund = json!({
            "id": self.next_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": null,
            "charge": format!("ch_{}", &id[3..]),
            "created": now(),
            "currency": s["currency"],
            "metadata": {},
            "payment_intent": s["payment_intent"],
            "reason": "requested_by_customer",
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": "succeeded",
            "transfer_reversal": null,
        });
        Some(self.event("refund.created", refund))
    }

    /// A signed dispute event of `amount` minor units of session `id`'s payment: with status
    /// `needs_response` it is `charge.dispute.created`, with `won` or `lost`
    /// `charge.dispute.closed`; `dispute` names the dispute (`None`: a new one).
    pub fn dispute(
        &self,
        id: &str,
        amount: i64,
        status: &str,
        dispute: Option<&str>,
    ) -> Option<SignedEvent> {
        let s = self.session(id)?;
        let dispute_id = dispute.map_or_else(|| self.next_id("dp"), str::to_owned);
        let object = json!({
            "id": dispute_id,
            "object": "dispute",
            "amount": amount,
            "balance_transactions": [],
            "charge": format!("ch_{}", &id[3..]),
            "created": now(),
            "currency": s["currency"],
            "enhanced_eligibility_types": [],
            "evidence": { "enhanced_evidence": {} },
            "evidence_details": {
                "due_by": now() + 7 * 86_400,
                "enhanced_eligibility": {},
                "has_evidence": false,
                "past_due": false,
                "submission_count": 0
            },
            "is_charge_refundable": false,
            "livemode": false,
            "metadata": {},
            "network_reason_code": null,
            "payment_intent": s["payment_intent"],
            "reason": "fraudulent",
            "status": status,
        });
        let kind = if status == "needs_response" {
            "charge.dispute.created"
        } else {
            "charge.dispute.closed"
        };
        Some(self.event(kind, object))
    }

    /// POSTs `event` to the configured webhook URL; returns the HTTP status.
    ///
    /// # Errors
    /// No webhook URL, or it cannot be reached.
    pub async fn deliver(&self, event: &SignedEvent) -> anyhow::Result<u16> {
        self.inner.hooks.deliver(event).await
    }

    /// The events API calls made while no webhook URL was set, oldest first (taken).
    pub fn pending_events(&self) -> Vec<SignedEvent> {
        self.inner.hooks.take_pending()
    }
}

pub(super) fn authorised(fake: &StripeFake, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| key == fake.inner.config.secret_key)
}

pub(super) fn unauthorised() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        "Invalid API Key provided: sk_test_****",
        None,
    )
}

async fn create_session(
    State(fake): State<StripeFake>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&fake, &headers) {
        return unauthorised();
    }
    let params: Vec<(String, String)> = match serde_urlencoded::from_str(&body) {
        Ok(p) => p,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &format!("Invalid request body: {e}"),
                None,
            );
        }
    };
    let key = header_text(&headers, "idempotency-key");
    if let Some(answer) = replayed(&fake, key.as_deref(), &body) {
        return answer;
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let metadata: serde_json::Map<String, Value> = params
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[")
                .and_then(|k| k.strip_suffix(']'))
                .map(|k| (k.to_owned(), json!(v)))
        })
        .collect();
    match get("mode").as_deref() {
        Some("payment" | "setup" | "subscription") => {}
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &format!(
                    "Invalid mode: must be one of payment, setup, or subscription (got {other})"
                ),
                Some("mode"),
            );
        }
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "Missing required param: mode.",
                Some("mode"),
            );
        }
    }
    let currency = get("line_items[0][price_data][currency]").unwrap_or_default();
    if currency.len() != 3 || currency.chars().any(|c| !c.is_ascii_lowercase()) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Invalid currency: must be a three-letter ISO code in lowercase.",
            Some("line_items[0][price_data][currency]"),
        );
    }
    let Some(unit) =
        get("line_items[0][price_data][unit_amount]").and_then(|u| u.parse::<i64>().ok())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Invalid integer: line_items[0][price_data][unit_amount].",
            Some("line_items[0][price_data][unit_amount]"),
        );
    };
    let quantity = get("line_items[0][quantity]")
        .and_then(|q| q.parse::<i64>().ok())
        .unwrap_or(1);
    let zero_decimal = matches!(currency.as_str(), "jpy" | "krw" | "vnd" | "clp");
    if !zero_decimal && unit * quantity < 50 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "The Checkout Session's total amount due must add up to at least $0.50 usd",
            Some("line_items[0][price_data][unit_amount]"),
        );
    }
    let id = fake.next_id("cs");
    let created = now();
    let session = json!({
        "id": id,
        "object": "checkout.session",
        "amount_subtotal": unit * quantity,
        "amount_total": unit * quantity,
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "billing_address_collection": null,
        "cancel_url": get("cancel_url"),
        "client_reference_id": get("client_reference_id"),
        "created": created,
        "currency": currency,
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer": null,
        "customer_email": get("customer_email"),
        "expires_at": created + 86_400,
        "livemode": false,
        "locale": null,
        "metadata": metadata,
        "mode": get("mode"),
        "payment_intent": null,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "success_url": get("success_url"),
        "ui_mode": "hosted",
        "url": format!("{}/pay/{id}", fake.inner.base_url),
    });
    if let Ok(mut sessions) = fake.inner.sessions.lock() {
        sessions.insert(id, session.clone());
    }
    fake.inner.answers.keep(key, &body, &session);
    Json(session).into_response()
}

/// The answer to a request whose `Idempotency-Key` was used before: the first answer, or 400
/// `idempotency_error` when the parameters differ
/// (<https://docs.stripe.com/api/idempotent_requests>).
pub(super) fn replayed(fake: &StripeFake, key: Option<&str>, body: &str) -> Option<Response> {
    match fake.inner.answers.replay(key, body, true) {
        Replay::Fresh => None,
        Replay::Same(answer) => Some(Json(answer).into_response()),
        Replay::Conflict => Some(error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            None,
        )),
    }
}

async fn get_session(
    State(fake): State<StripeFake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&fake, &headers) {
        return unauthorised();
    }
    match fake.session(&id) {
        Some(s) => Json(s).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            &format!("No such checkout.session: '{id}'"),
            Some("session"),
        ),
    }
}
