//! Stripe: top-ups through Checkout (<https://docs.stripe.com/api/checkout/sessions/create>)
//! and the webhook that credits them (<https://docs.stripe.com/webhooks>), with async-stripe's
//! client and its signature check (`Stripe-Signature`, HMAC-SHA256 over `t.payload`, five
//! minutes' tolerance).
//!
//! The webhook endpoint should receive `checkout.session.completed`,
//! `checkout.session.async_payment_succeeded`, `checkout.session.async_payment_failed`,
//! `checkout.session.expired`, `refund.created`, `charge.dispute.created` and
//! `charge.dispute.closed`; other events are recorded and answered 200.

use super::IGNORED;
use super::events::{
    EventOutcome, WebhookError, credit_paid, find_by, record_event, reverse, seen, set_status,
};
use crate::entities::{customers, payments};
use crate::ledger::currency_decimals;
use crate::state::Services;
use domain::ledger::to_minor_units;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::str::FromStr;
use stripe::StripeRequest as _;
use stripe_webhook::{EventObject, Webhook};

const PROVIDER: &str = "stripe";
const LABEL: &str = "card (Stripe)";

/// The event types top-ups act on.
const HANDLED: [&str; 7] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "refund.created",
    "charge.dispute.created",
    "charge.dispute.closed",
];

/// The Stripe client of the settings.
fn client(svc: &Services) -> Result<stripe::Client, String> {
    let settings = &svc.settings.stripe;
    stripe::ClientBuilder::new(settings.secret_key.expose_secret())
        .url(settings.api_base.trim_end_matches('/').to_owned() + "/")
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| format!("Stripe client: {e}"))
}

/// The fingerprint of the card that paid PaymentIntent `intent` (`card:<fingerprint>`: the same
/// card number gives the same one, <https://docs.stripe.com/api/payment_methods/object>), or
/// `None` when it is not a card or Stripe cannot say; the payment is credited either way.
async fn card_fingerprint(svc: &Services, intent: &str) -> Option<String> {
    use stripe_core::payment_intent::RetrievePaymentIntent;
    if intent.is_empty() {
        return None;
    }
    let client = client(svc).ok()?;
    let found = RetrievePaymentIntent::new(intent)
        .expand([String::from("payment_method")])
        .send(&client)
        .await;
    match found {
        Ok(pi) => match pi.payment_method? {
            stripe_types::Expandable::Object(method) => method
                .card
                .and_then(|c| c.fingerprint)
                .map(|f| format!("card:{f}")),
            stripe_types::Expandable::Id(_) => None,
        },
        Err(e) => {
            tracing::warn!(intent, "no card fingerprint: {e}");
            None
        }
    }
}

/// Stripe's error as a sentence for people.
fn refused(e: stripe::StripeError) -> String {
    match e {
        stripe::StripeError::Stripe(err, status) => format!(
            "Stripe refused the request ({status}): {}",
            err.message.unwrap_or_else(|| "no reason given".to_owned())
        ),
        other => format!("Stripe could not be reached ({other}): try again in a few minutes"),
    }
}

/// Asks Stripe to refund `minor` units of `payment` (its PaymentIntent) with idempotency key
/// `key`; returns the refund's id. The balance moves when `refund.created` arrives.
///
/// Errors: a sentence for staff.
pub(super) async fn create_refund(
    svc: &Services,
    payment: &payments::Model,
    minor: i64,
    key: &str,
) -> Result<String, String> {
    use stripe_core::refund::{CreateRefund, CreateRefundReason};
    let client = client(svc)?;
    let key = stripe::IdempotencyKey::new(key).map_err(|e| format!("idempotency key: {e}"))?;
    let refund = CreateRefund::new()
        .payment_intent(payment.provider_payment_ref.clone())
        .amount(minor)
        .reason(CreateRefundReason::RequestedByCustomer)
        .metadata(HashMap::from([(
            "payment_id".to_owned(),
            payment.id.to_string(),
        )]))
        .customize()
        .request_strategy(stripe::RequestStrategy::Idempotent(key))
        .send(&client)
        .await
        .map_err(refused)?;
    Ok(refund.id.as_str().to_owned())
}

/// A created Checkout Session: its id (`cs_…`) and the page the customer pays on.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub id: String,
    pub url: String,
}

/// Creates the Checkout Session of `payment` (one line, "Prepaid credit", in the customer's
/// currency; the payment id as `client_reference_id` and in the metadata), with Stripe's
/// idempotency key `didtron-topup-<id>` so a retried request creates one session.
///
/// Errors: a sentence for the customer saying what Stripe answered or that it could not be
/// reached.
pub(super) async fn create_checkout(
    svc: &Services,
    payment: &payments::Model,
    customer: &customers::Model,
    site: &str,
) -> Result<Session, String> {
    use stripe_checkout::checkout_session::{
        CreateCheckoutSession, CreateCheckoutSessionLineItems,
        CreateCheckoutSessionLineItemsPriceData, CreateCheckoutSessionPaymentIntentData,
        ProductData,
    };
    let client = client(svc)?;
    let decimals = currency_decimals(&payment.currency);
    let minor = to_minor_units(payment.amount_micros, decimals)
        .ok_or_else(|| "the amount is not a whole number of minor units".to_owned())?;
    let currency = stripe_types::Currency::from_str(&payment.currency.to_lowercase())
        .map_err(|_| format!("Stripe does not take {}", payment.currency))?;
    let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
    price.unit_amount = Some(minor);
    price.product_data = Some(ProductData {
        description: Some(format!(
            "Prepaid balance for {} ({})",
            customer.company_name, payment.currency
        )),
        images: None,
        metadata: None,
        name: "Prepaid credit".to_owned(),
        tax_code: None,
        tax_details: None,
        unit_label: None,
    });
    let mut line = CreateCheckoutSessionLineItems::new();
    line.price_data = Some(price);
    line.quantity = Some(1);
    let metadata: HashMap<String, String> = HashMap::from([
        ("payment_id".to_owned(), payment.id.to_string()),
        ("tenant_id".to_owned(), payment.tenant_id.to_string()),
        ("customer_id".to_owned(), payment.customer_id.to_string()),
    ]);
    let mut intent = CreateCheckoutSessionPaymentIntentData::new();
    intent.metadata = Some(metadata.clone());
    let back = format!("{}/customer/top-up", site.trim_end_matches('/'));
    let mut request = CreateCheckoutSession::new()
        .mode(stripe_shared::CheckoutSessionMode::Payment)
        .line_items(vec![line])
        .client_reference_id(payment.id.to_string())
        .metadata(metadata)
        .payment_intent_data(intent)
        .success_url(format!("{back}?paid={}", payment.id))
        .cancel_url(format!("{back}?cancelled={}", payment.id));
    if !customer.billing_email.is_empty() {
        request = request.customer_email(customer.billing_email.clone());
    }
    let key = stripe::IdempotencyKey::new(format!("didtron-topup-{}", payment.id))
        .map_err(|e| format!("idempotency key: {e}"))?;
    let session = request
        .customize()
        .request_strategy(stripe::RequestStrategy::Idempotent(key))
        .send(&client)
        .await
        .map_err(refused)?;
    let url = session
        .url
        .ok_or_else(|| "Stripe answered without a payment page".to_owned())?;
    Ok(Session {
        id: session.id.as_str().to_owned(),
        url,
    })
}

/// Verifies and applies one Stripe webhook delivery: `payload` is the raw body, `signature`
/// the `Stripe-Signature` header.
///
/// - `checkout.session.completed` with `payment_status = paid`, and
///   `checkout.session.async_payment_succeeded`: credit the top-up once (keyed
///   `stripe:<session id>`), after checking the amount and currency paid;
/// - `checkout.session.completed` unpaid (a bank debit on its way): the payment is `pending`;
/// - `checkout.session.async_payment_failed` / `checkout.session.expired`: `failed` / `expired`;
/// - `refund.created`: a `payment_reversal` debit of the refund (keyed `stripe:refund:<id>`);
/// - `charge.dispute.created`: a debit of the disputed amount (`stripe:dispute:<id>`);
/// - `charge.dispute.closed` as `won`: the amount given back (`stripe:dispute_won:<id>`).
///
/// Every event id is recorded once; a second delivery answers [`EventOutcome::Replayed`].
///
/// # Errors
/// [`WebhookError`]: not configured, bad signature (nothing read), unreadable event, database.
pub async fn handle_webhook(
    svc: &Services,
    payload: &str,
    signature: &str,
) -> Result<EventOutcome, WebhookError> {
    let settings = &svc.settings.stripe;
    if !settings.configured() {
        return Err(WebhookError::NotConfigured("Stripe"));
    }
    let db = &svc.db;
    let event =
        match Webhook::construct_event(payload, signature, settings.webhook_secret.expose_secret())
        {
            Ok(event) => event,
            // The signature held (it is checked before the body is read): an event of a type
            // top-ups do not use is recorded and acknowledged without reading its object.
            Err(stripe_webhook::WebhookError::BadParse(reason)) => {
                let head: serde_json::Value = serde_json::from_str(payload)
                    .map_err(|e| WebhookError::BadEvent(e.to_string()))?;
                let (Some(id), Some(kind)) = (head["id"].as_str(), head["type"].as_str()) else {
                    return Err(WebhookError::BadEvent(reason));
                };
                if HANDLED.contains(&kind) {
                    return Err(WebhookError::BadEvent(reason));
                }
                if seen(db, PROVIDER, id).await? {
                    return Ok(EventOutcome::Replayed);
                }
                return Ok(record_event(db, PROVIDER, id, kind, None, IGNORED.to_owned()).await?);
            }
            Err(other) => return Err(WebhookError::BadSignature(other.to_string())),
        };
    let event_id = event.id.as_str().to_owned();
    let event_type = event.type_.as_str().to_owned();
    if seen(db, PROVIDER, &event_id).await? {
        return Ok(EventOutcome::Replayed);
    }
    let (payment_id, outcome) = apply(svc, event.data.object).await?;
    Ok(record_event(db, PROVIDER, &event_id, &event_type, payment_id, outcome).await?)
}

fn intent_id(intent: Option<&stripe_types::Expandable<stripe_shared::PaymentIntent>>) -> String {
    intent
        .map(|i| i.id().as_str().to_owned())
        .unwrap_or_default()
}

/// What an event does: the payment it concerns and a sentence for the log.
async fn apply(svc: &Services, object: EventObject) -> Result<(Option<i64>, String), WebhookError> {
    let db = &svc.db;
    let by_session =
        |id: String| async move { find_by(db, PROVIDER, payments::Column::ProviderRef, &id).await };
    let by_intent = |id: String| async move {
        find_by(db, PROVIDER, payments::Column::ProviderPaymentRef, &id).await
    };
    match object {
        EventObject::CheckoutSessionCompleted(s)
        | EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => {
            let Some(payment) = by_session(s.id.as_str().to_owned()).await? else {
                return Ok((None, format!("no top-up has session {}", s.id.as_str())));
            };
            let intent = intent_id(s.payment_intent.as_ref());
            if s.payment_status != stripe_shared::CheckoutSessionPaymentStatus::Paid {
                set_status(
                    db,
                    &payment,
                    "pending",
                    "the payment is on its way (e.g. a bank debit)",
                    &intent,
                )
                .await?;
                return Ok((Some(payment.id), "payment pending".to_owned()));
            }
            let currency = s
                .currency
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let mut payment = payment;
            if payment.payer_fingerprint.is_empty()
                && let Some(fingerprint) = card_fingerprint(svc, &intent).await
            {
                payments::Entity::update_many()
                    .col_expr(
                        payments::Column::PayerFingerprint,
                        fingerprint.clone().into(),
                    )
                    .filter(payments::Column::Id.eq(payment.id))
                    .exec(db)
                    .await?;
                payment.payer_fingerprint = fingerprint;
            }
            let said =
                credit_paid(svc, &payment, s.amount_total, &currency, &intent, LABEL).await?;
            Ok((Some(payment.id), said))
        }
        EventObject::CheckoutSessionAsyncPaymentFailed(s)
        | EventObject::CheckoutSessionExpired(s) => {
            let Some(payment) = by_session(s.id.as_str().to_owned()).await? else {
                return Ok((None, format!("no top-up has session {}", s.id.as_str())));
            };
            let expired = s.status == Some(stripe_shared::CheckoutSessionStatus::Expired);
            let (status, reason) = if expired {
                ("expired", "the payment page expired before it was paid")
            } else {
                ("failed", "the payment failed at the bank")
            };
            set_status(
                db,
                &payment,
                status,
                reason,
                &intent_id(s.payment_intent.as_ref()),
            )
            .await?;
            Ok((Some(payment.id), format!("payment {status}")))
        }
        EventObject::RefundCreated(r) => {
            if matches!(r.status.as_deref(), Some("failed" | "canceled")) {
                return Ok((None, format!("refund {} did not go through", r.id.as_str())));
            }
            let Some(payment) = by_intent(intent_id(r.payment_intent.as_ref())).await? else {
                return Ok((
                    None,
                    format!("no top-up has the payment of refund {}", r.id.as_str()),
                ));
            };
            let said = reverse(
                svc,
                &payment,
                r.amount,
                format!("stripe:refund:{}", r.id.as_str()),
                format!("Refund of top-up {} to the card (Stripe)", payment.id),
            )
            .await?;
            Ok((Some(payment.id), said))
        }
        EventObject::ChargeDisputeCreated(d) => {
            let Some(payment) = by_intent(intent_id(d.payment_intent.as_ref())).await? else {
                return Ok((
                    None,
                    format!("no top-up has the payment of dispute {}", d.id.as_str()),
                ));
            };
            let said = reverse(
                svc,
                &payment,
                d.amount,
                format!("stripe:dispute:{}", d.id.as_str()),
                format!("Dispute of top-up {} ({})", payment.id, d.reason),
            )
            .await?;
            Ok((Some(payment.id), said))
        }
        EventObject::ChargeDisputeClosed(d) => {
            if d.status != stripe_shared::DisputeStatus::Won {
                return Ok((
                    None,
                    format!("dispute {} closed as {}", d.id.as_str(), d.status.as_str()),
                ));
            }
            let Some(payment) = by_intent(intent_id(d.payment_intent.as_ref())).await? else {
                return Ok((
                    None,
                    format!("no top-up has the payment of dispute {}", d.id.as_str()),
                ));
            };
            let said = reverse(
                svc,
                &payment,
                -d.amount,
                format!("stripe:dispute_won:{}", d.id.as_str()),
                format!("Dispute of top-up {} won: amount given back", payment.id),
            )
            .await?;
            Ok((Some(payment.id), said))
        }
        _ => Ok((None, IGNORED.to_owned())),
    }
}
