//! Refunds that staff start from Super Admin > Customers > Payments: the provider is asked to
//! pay part or all of a paid top-up back (Stripe `POST /v1/refunds`,
//! <https://docs.stripe.com/api/refunds/create>; PayPal
//! `POST /v2/payments/captures/{id}/refund`,
//! <https://developer.paypal.com/docs/api/payments/v2/#captures_refund>). As with every money
//! movement of a provider, the balance moves only when the provider's webhook confirms the refund
//! (`refund.created`, `PAYMENT.CAPTURE.REFUNDED`): one `payment_reversal` entry per refund.

use super::{check_refund_amount, paypal, stripe};
use crate::audit::{Actor, Changes};
use crate::entities::payments;
use crate::error::ServiceError;
use crate::ledger::currency_decimals;
use crate::state::Services;
use crate::tenancy::find_scoped;
use domain::access::Role;
use domain::ledger::display;

/// Asks the provider to refund `amount` (decimal text in the payment's currency) of paid
/// payment `payment_id`; `token` is the form's one-time token (the provider's idempotency key:
/// sending the form twice refunds once). Returns a sentence for staff.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound` for another tenant's payment; `Validation` naming
/// `amount` (not a positive amount in whole minor units, or more than is left to refund),
/// `payment` (not paid) or `provider` (the provider refused or could not be reached: the
/// message says which).
pub async fn refund(
    svc: &Services,
    actor: &Actor,
    payment_id: i64,
    amount: &str,
    token: &str,
) -> Result<String, ServiceError> {
    if !matches!(actor.role, Role::SuperAdmin | Role::Admin) {
        return Err(ServiceError::Forbidden);
    }
    let payment = find_scoped::<payments::Entity>(&svc.db, actor, payment_id).await?;
    if payment.status != "paid" {
        return Err(ServiceError::field(
            "payment",
            &format!(
                "payment {} is {}: only a paid top-up can be refunded",
                payment.id, payment.status
            ),
        ));
    }
    let (micros, minor) = check_refund_amount(&payment, amount)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(ServiceError::field(
            "token",
            "the form has no token: reload the page and send it again",
        ));
    }
    let key = format!("didtron-refund-{}-{token}", payment.id);
    let asked = match payment.provider.as_str() {
        "paypal" => paypal::refund_capture(svc, &payment, minor, &key).await,
        _ => stripe::create_refund(svc, &payment, minor, &key).await,
    }
    .map_err(|reason| ServiceError::field("provider", &reason))?;
    let text = format!(
        "{} {}",
        display(micros, currency_decimals(&payment.currency)),
        payment.currency
    );
    actor
        .audit(
            &svc.db,
            "refund",
            "payment",
            payment.id,
            Changes::new()
                .field("refund", serde_json::Value::Null, text.clone())
                .field("provider_refund", serde_json::Value::Null, asked.clone()),
        )
        .await?;
    Ok(format!(
        "Refund {asked} of {text} asked for: the customer's balance is debited when the provider confirms it."
    ))
}
