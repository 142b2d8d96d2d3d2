//! PayPal: top-ups through Orders v2 (<https://developer.paypal.com/docs/api/orders/v2/>) with
//! a typed reqwest client (PayPal has no maintained Rust SDK), credited only from webhooks that
//! PayPal itself verifies (<https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature_post>).
//!
//! The flow: an order is created (`intent = CAPTURE`, the payment id as `custom_id`) and the
//! customer approves it on PayPal's `payer-action` page; PayPal sends it back to
//! `/customer/top-up/paypal-return?token=<order id>`, where the order is captured
//! ([`capture_return`]); PayPal then posts `PAYMENT.CAPTURE.COMPLETED`, which credits the top-up
//! once (keyed `paypal:<order id>`). `PAYMENT.CAPTURE.PENDING` marks it pending,
//! `PAYMENT.CAPTURE.DENIED` failed, `PAYMENT.CAPTURE.REFUNDED` debits the refund (keyed
//! `paypal:refund:<id>`), `CUSTOMER.DISPUTE.CREATED` debits the disputed amount
//! (`paypal:dispute:<id>`) and `CUSTOMER.DISPUTE.RESOLVED` in the seller's favour gives it back.

use super::events::{
    EventOutcome, WebhookError, credit_paid, find_by, record_event, reverse, seen, set_status,
};
use crate::entities::{customers, payments};
use crate::ledger::currency_decimals;
use crate::state::Services;
use domain::ledger::{display, to_micros, to_minor_units};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use std::str::FromStr;

const PROVIDER: &str = "paypal";
const LABEL: &str = "PayPal";

/// PayPal's error body (<https://developer.paypal.com/api/rest/responses/>).
#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    name: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    details: Vec<ApiErrorDetail>,
}

#[derive(Deserialize, Default)]
struct ApiErrorDetail {
    #[serde(default)]
    issue: String,
    #[serde(default)]
    description: String,
}

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

fn base(svc: &Services) -> String {
    svc.settings
        .paypal
        .api_base
        .trim_end_matches('/')
        .to_owned()
}

/// Reads a PayPal answer: the JSON body of a 2xx, or a sentence naming PayPal's error.
async fn answer(response: reqwest::Response) -> Result<Value, String> {
    let status = response.status();
    if status.is_success() {
        return response
            .json::<Value>()
            .await
            .map_err(|e| format!("PayPal answered something unreadable: {e}"));
    }
    let body: ApiError = response.json().await.unwrap_or_default();
    let detail = body
        .details
        .first()
        .map(|d| format!(" ({} {})", d.issue, d.description))
        .unwrap_or_default();
    let text = [body.message, body.error_description, body.name]
        .into_iter()
        .find(|t| !t.is_empty())
        .unwrap_or_else(|| "no reason given".to_owned());
    Err(format!(
        "PayPal refused the request ({}): {text}{detail}",
        status.as_u16()
    ))
}

fn unreachable(e: &reqwest::Error) -> String {
    format!("PayPal could not be reached ({e}): try again in a few minutes")
}

/// An OAuth 2.0 access token (client credentials,
/// <https://developer.paypal.com/api/rest/authentication/>).
async fn token(svc: &Services, http: &reqwest::Client) -> Result<String, String> {
    let settings = &svc.settings.paypal;
    let response = http
        .post(format!("{}/v1/oauth2/token", base(svc)))
        .basic_auth(
            &settings.client_id,
            Some(settings.client_secret.expose_secret()),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let body = answer(response).await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "PayPal gave no access token".to_owned())
}

/// The amount of `payment` as PayPal writes it: decimal text with the currency's decimals.
fn value(payment: &payments::Model) -> String {
    display(payment.amount_micros, currency_decimals(&payment.currency))
}

/// Creates the order of `payment`; returns its id and the page the customer approves it on.
///
/// Errors: a sentence for the customer.
pub(super) async fn create_order(
    svc: &Services,
    payment: &payments::Model,
    customer: &customers::Model,
    site: &str,
) -> Result<(String, String), String> {
    let http = client()?;
    let access = token(svc, &http).await?;
    let back = format!("{}/customer/top-up", site.trim_end_matches('/'));
    let body = json!({
        "intent": "CAPTURE",
        "purchase_units": [{
            "reference_id": format!("topup-{}", payment.id),
            "custom_id": payment.id.to_string(),
            "description": format!("Prepaid credit for {}", customer.company_name),
            "amount": { "currency_code": payment.currency, "value": value(payment) },
        }],
        "payment_source": { "paypal": { "experience_context": {
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
            "return_url": format!("{back}/paypal-return"),
            "cancel_url": format!("{back}?cancelled={}", payment.id),
        }}},
    });
    let response = http
        .post(format!("{}/v2/checkout/orders", base(svc)))
        .bearer_auth(&access)
        .header("PayPal-Request-Id", format!("didtron-topup-{}", payment.id))
        .json(&body)
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let order = answer(response).await?;
    let id = order["id"]
        .as_str()
        .ok_or_else(|| "PayPal gave no order id".to_owned())?
        .to_owned();
    let link = order["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| matches!(l["rel"].as_str(), Some("payer-action" | "approve")))
        .and_then(|l| l["href"].as_str())
        .ok_or_else(|| "PayPal gave no approval page".to_owned())?
        .to_owned();
    Ok((id, link))
}

/// Asks PayPal to refund `minor` units of `payment`'s capture with `PayPal-Request-Id` `key`;
/// returns the refund's id. The balance moves when `PAYMENT.CAPTURE.REFUNDED` arrives.
///
/// Errors: a sentence for staff.
pub(super) async fn refund_capture(
    svc: &Services,
    payment: &payments::Model,
    minor: i64,
    key: &str,
) -> Result<String, String> {
    let decimals = currency_decimals(&payment.currency);
    let micros = domain::ledger::from_minor_units(minor, decimals)
        .ok_or_else(|| "the amount is too large".to_owned())?;
    let http = client()?;
    let access = token(svc, &http).await?;
    let response = http
        .post(format!(
            "{}/v2/payments/captures/{}/refund",
            base(svc),
            payment.provider_payment_ref
        ))
        .bearer_auth(&access)
        .header("PayPal-Request-Id", key)
        .json(&json!({
            "amount": { "currency_code": payment.currency, "value": display(micros, decimals) },
            "note_to_payer": format!("Refund of top-up {}", payment.id),
        }))
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let refund = answer(response).await?;
    refund["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "PayPal gave no refund id".to_owned())
}

/// Captures the order `order_id` the customer approved and came back from, and returns the
/// payment's id: the page then shows its state. The capture leaves the payment `pending` (with
/// PayPal's capture id) until PayPal's webhook confirms it; a refusal (e.g. the order was not
/// approved) marks it `failed` with PayPal's reason. Coming back twice captures once
/// (PayPal-Request-Id), and a paid payment is left as it is.
///
/// # Errors
/// `NotFound` for an order no top-up has; database errors.
pub async fn capture_return(
    svc: &Services,
    order_id: &str,
) -> Result<i64, crate::error::ServiceError> {
    use crate::error::ServiceError;
    let payment = find_by(&svc.db, PROVIDER, payments::Column::ProviderRef, order_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if payment.status == "paid" {
        return Ok(payment.id);
    }
    let outcome: Result<Value, String> = async {
        let http = client()?;
        let access = token(svc, &http).await?;
        let response = http
            .post(format!(
                "{}/v2/checkout/orders/{order_id}/capture",
                base(svc)
            ))
            .bearer_auth(&access)
            .header(
                "PayPal-Request-Id",
                format!("didtron-capture-{}", payment.id),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        answer(response).await
    }
    .await;
    match outcome {
        Ok(order) => {
            let capture = &order["purchase_units"][0]["payments"]["captures"][0];
            let capture_id = capture["id"].as_str().unwrap_or_default();
            let why = if capture["status"].as_str() == Some("PENDING") {
                "PayPal holds the payment for review"
            } else {
                "captured: PayPal confirms it in a moment"
            };
            set_status(&svc.db, &payment, "pending", why, capture_id).await?;
            // The payer's PayPal account tells a referrer paying for its own referee.
            if let Some(payer) = order["payer"]["payer_id"]
                .as_str()
                .filter(|p| !p.is_empty())
            {
                payments::Entity::update_many()
                    .col_expr(
                        payments::Column::PayerFingerprint,
                        format!("paypal:{payer}").into(),
                    )
                    .filter(payments::Column::Id.eq(payment.id))
                    .exec(&svc.db)
                    .await?;
            }
        }
        Err(reason) => {
            set_status(&svc.db, &payment, "failed", &reason, "").await?;
            super::promo::release(&svc.db, &payment).await?;
        }
    }
    Ok(payment.id)
}

/// Asks PayPal whether a webhook delivery is genuine: the transmission headers, the raw event
/// and the configured `paypal.webhook_id`.
async fn verify(
    svc: &Services,
    headers: &[(&str, String)],
    event: &Value,
) -> Result<(), WebhookError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let body = json!({
        "auth_algo": header("paypal-auth-algo"),
        "cert_url": header("paypal-cert-url"),
        "transmission_id": header("paypal-transmission-id"),
        "transmission_sig": header("paypal-transmission-sig"),
        "transmission_time": header("paypal-transmission-time"),
        "webhook_id": svc.settings.paypal.webhook_id,
        "webhook_event": event,
    });
    if body["transmission_sig"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(WebhookError::BadSignature(
            "no PAYPAL-TRANSMISSION-SIG header".into(),
        ));
    }
    let failed = |e: String| {
        WebhookError::Failed(crate::error::ServiceError::Unexpected(anyhow::anyhow!(e)))
    };
    let http = client().map_err(failed)?;
    let access = token(svc, &http).await.map_err(failed)?;
    let response = http
        .post(format!(
            "{}/v1/notifications/verify-webhook-signature",
            base(svc)
        ))
        .bearer_auth(&access)
        .json(&body)
        .send()
        .await
        .map_err(|e| failed(unreachable(&e)))?;
    let answer = answer(response).await.map_err(failed)?;
    match answer["verification_status"].as_str() {
        Some("SUCCESS") => Ok(()),
        other => Err(WebhookError::BadSignature(format!(
            "PayPal says the delivery is not genuine ({})",
            other.unwrap_or("no status")
        ))),
    }
}

/// Verifies (with PayPal) and applies one webhook delivery: `payload` is the raw body,
/// `headers` the `PAYPAL-*` transmission headers. Every event id is recorded once.
///
/// # Errors
/// [`WebhookError`]: not configured, not genuine (nothing read), unreadable, PayPal or the
/// database failing (the delivery is retried).
pub async fn handle_webhook(
    svc: &Services,
    payload: &str,
    headers: &[(&str, String)],
) -> Result<EventOutcome, WebhookError> {
    if !svc.settings.paypal.configured() {
        return Err(WebhookError::NotConfigured("PayPal"));
    }
    let event: Value =
        serde_json::from_str(payload).map_err(|e| WebhookError::BadEvent(e.to_string()))?;
    verify(svc, headers, &event).await?;
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["event_type"].as_str()) else {
        return Err(WebhookError::BadEvent("no id or event_type".into()));
    };
    let db = &svc.db;
    if seen(db, PROVIDER, id).await? {
        return Ok(EventOutcome::Replayed);
    }
    let (payment_id, outcome) = apply(svc, kind, &event["resource"]).await?;
    Ok(record_event(db, PROVIDER, id, kind, payment_id, outcome).await?)
}

/// `{ "currency_code": "USD", "value": "50.00" }` as minor units and the currency.
fn minor_of(amount: &Value) -> Option<(i64, String)> {
    let currency = amount["currency_code"].as_str()?.to_owned();
    let micros = to_micros(Decimal::from_str(amount["value"].as_str()?).ok()?).ok()?;
    Some((
        to_minor_units(micros, currency_decimals(&currency))?,
        currency,
    ))
}

/// The capture id a refund resource points up to (its `up` link).
fn captured_by(resource: &Value) -> String {
    resource["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["rel"].as_str() == Some("up"))
        .and_then(|l| l["href"].as_str())
        .and_then(|h| h.rsplit('/').next())
        .unwrap_or_default()
        .to_owned()
}

async fn apply(
    svc: &Services,
    kind: &str,
    resource: &Value,
) -> Result<(Option<i64>, String), WebhookError> {
    let db = &svc.db;
    let by_order =
        |id: String| async move { find_by(db, PROVIDER, payments::Column::ProviderRef, &id).await };
    let by_capture = |id: String| async move {
        find_by(db, PROVIDER, payments::Column::ProviderPaymentRef, &id).await
    };
    let order_of = |r: &Value| {
        r["supplementary_data"]["related_ids"]["order_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let capture_id = resource["id"].as_str().unwrap_or_default().to_owned();
    match kind {
        "PAYMENT.CAPTURE.COMPLETED" | "PAYMENT.CAPTURE.PENDING" | "PAYMENT.CAPTURE.DENIED" => {
            let Some(payment) = by_order(order_of(resource)).await? else {
                return Ok((None, format!("no top-up has capture {capture_id}")));
            };
            match kind {
                "PAYMENT.CAPTURE.COMPLETED" => {
                    let (minor, currency) = minor_of(&resource["amount"]).unzip();
                    let said = credit_paid(
                        svc,
                        &payment,
                        minor,
                        &currency.unwrap_or_default(),
                        &capture_id,
                        LABEL,
                    )
                    .await?;
                    Ok((Some(payment.id), said))
                }
                "PAYMENT.CAPTURE.PENDING" => {
                    set_status(
                        db,
                        &payment,
                        "pending",
                        "PayPal holds the payment for review",
                        &capture_id,
                    )
                    .await?;
                    Ok((Some(payment.id), "payment pending".to_owned()))
                }
                _ => {
                    set_status(
                        db,
                        &payment,
                        "failed",
                        "PayPal denied the payment",
                        &capture_id,
                    )
                    .await?;
                    Ok((Some(payment.id), "payment failed".to_owned()))
                }
            }
        }
        "PAYMENT.CAPTURE.REFUNDED" => {
            let Some(payment) = by_capture(captured_by(resource)).await? else {
                return Ok((
                    None,
                    format!("no top-up has the capture of refund {capture_id}"),
                ));
            };
            let Some((minor, _)) = minor_of(&resource["amount"]) else {
                return Err(WebhookError::BadEvent("refund without an amount".into()));
            };
            let said = reverse(
                svc,
                &payment,
                minor,
                format!("paypal:refund:{capture_id}"),
                format!("Refund of top-up {} to PayPal", payment.id),
            )
            .await?;
            Ok((Some(payment.id), said))
        }
        "CUSTOMER.DISPUTE.CREATED" | "CUSTOMER.DISPUTE.RESOLVED" => {
            let dispute = resource["dispute_id"].as_str().unwrap_or_default();
            let transaction = resource["disputed_transactions"][0]["seller_transaction_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let Some(payment) = by_capture(transaction).await? else {
                return Ok((
                    None,
                    format!("no top-up has the payment of dispute {dispute}"),
                ));
            };
            let Some((minor, _)) = minor_of(&resource["dispute_amount"]) else {
                return Err(WebhookError::BadEvent("dispute without an amount".into()));
            };
            if kind == "CUSTOMER.DISPUTE.CREATED" {
                let said = reverse(
                    svc,
                    &payment,
                    minor,
                    format!("paypal:dispute:{dispute}"),
                    format!(
                        "Dispute of top-up {} ({})",
                        payment.id,
                        resource["reason"].as_str().unwrap_or("no reason")
                    ),
                )
                .await?;
                return Ok((Some(payment.id), said));
            }
            if resource["dispute_outcome"]["outcome_code"].as_str()
                != Some("RESOLVED_SELLER_FAVOUR")
            {
                return Ok((None, format!("dispute {dispute} resolved for the buyer")));
            }
            let said = reverse(
                svc,
                &payment,
                -minor,
                format!("paypal:dispute_won:{dispute}"),
                format!("Dispute of top-up {} won: amount given back", payment.id),
            )
            .await?;
            Ok((Some(payment.id), said))
        }
        _ => Ok((None, super::IGNORED.to_owned())),
    }
}
