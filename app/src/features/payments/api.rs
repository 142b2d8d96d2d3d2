use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A payment as the tables show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRow {
    /// Id.
    pub id: i64,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// The customer's company.
    pub company: String,
    /// Provider label, e.g. `Card (Stripe)`.
    pub method: String,
    /// Amount with its currency, e.g. `50.00 USD`.
    pub amount: String,
    /// What refunds and disputes took back, with its currency, or empty.
    pub reversed: String,
    /// `created`, `pending`, `paid`, `failed`, `expired`.
    pub status: String,
    /// Why it failed or is pending, or empty.
    pub message: String,
    /// What staff may still refund, as a plain decimal (e.g. `40.00`); empty when the payment is
    /// not paid or nothing is left.
    pub refundable: String,
}

/// A payment method on the Top up page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodRow {
    /// Key, e.g. `stripe`.
    pub key: String,
    /// Label, e.g. `Card (Stripe)`.
    pub label: String,
    /// Whether it is set up on this platform.
    pub configured: bool,
}

/// A top-up reviewed before paying: what is paid, the bonus of its promo code, what the
/// balance grows by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The amount as typed, for the payment form.
    pub amount: String,
    /// The amount with its currency, e.g. `50.00 USD`.
    pub pay: String,
    /// The promo code as stored, or empty.
    pub promo_code: String,
    /// The bonus with its currency, or empty without a code.
    pub bonus: String,
    /// What the balance grows by once paid, with its currency.
    pub total: String,
}

/// The data of the Top up and Payments pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsPage {
    /// Billing currency of the signed-in customer (empty for staff).
    pub currency: String,
    /// The customer's balance with its currency (empty for staff).
    pub balance: String,
    /// Smallest and largest top-up, with the currency.
    pub min: String,
    /// Largest top-up.
    pub max: String,
    /// The methods.
    pub methods: Vec<MethodRow>,
    /// A one-time token for the top-up form.
    pub form_token: String,
    /// A page of payments, newest first.
    pub payments: Vec<PaymentRow>,
    /// Payments in all.
    pub total: u64,
    /// Page number.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// The top-up under review (the page's `amount` and `promo_code`), or why it cannot be
    /// made; `None` before the customer asks.
    pub review: Option<Result<Review, AppError>>,
}

/// The signed-in customer's top-up page data, or (staff) every payment of the tenant; 50 per
/// page.
///
/// # Errors
/// `Forbidden` for carrier and switch users.
#[server(endpoint = "payments_data")]
pub async fn payments_data(
    page: Option<u64>,
    amount: Option<String>,
    promo_code: Option<String>,
) -> Result<PaymentsPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use domain::ledger::display;
    use services::ledger::{self, currency_decimals};
    use services::payments;
    let nf = crate::ssr::number_format();
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let page = page.unwrap_or(1).max(1);
    let per_page = 50;
    let (rows, total) = payments::list(&svc.db, &actor, None, page, per_page)
        .await
        .map_err(fail)?;
    let (currency, balance) = match actor.customer_id {
        Some(id) => {
            let b = ledger::balance(&svc.db, &actor, id).await.map_err(fail)?;
            let text = nf.money(
                b.balance_micros,
                currency_decimals(&b.currency),
                &b.currency,
            );
            (b.currency, text)
        }
        None => (String::new(), String::new()),
    };
    let labels = payments::providers(&svc);
    let label = |key: &str| {
        labels
            .iter()
            .find(|p| p.key == key)
            .map_or(key.to_owned(), |p| p.label.to_owned())
    };
    let money =
        |micros: i64, currency: &str| nf.money(micros, currency_decimals(currency), currency);
    let review = match (actor.customer_id, amount.filter(|a| !a.trim().is_empty())) {
        (Some(id), Some(amount)) => {
            let code = promo_code.unwrap_or_default();
            let quoted = if code.trim().is_empty() {
                payments::check_amount(&svc, &amount, &currency).map(|m| (m, 0, String::new()))
            } else {
                payments::quote_bonus(&svc, &actor, id, &amount, &code).await
            };
            Some(
                quoted
                    .map_err(AppError::from)
                    .map(|(micros, bonus, code)| Review {
                        amount: amount.trim().to_owned(),
                        pay: money(micros, &currency),
                        bonus: if code.is_empty() {
                            String::new()
                        } else {
                            money(bonus, &currency)
                        },
                        promo_code: code,
                        total: money(micros + bonus, &currency),
                    }),
            )
        }
        _ => None,
    };
    let shown_currency = if currency.is_empty() {
        "USD"
    } else {
        currency.as_str()
    };
    let limit = |text: &str| {
        let micros = text
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(|d| domain::ledger::to_micros(d).ok())
            .unwrap_or_default();
        money(micros, shown_currency)
    };
    Ok(PaymentsPage {
        min: limit(&svc.settings.payments.min_top_up),
        max: limit(&svc.settings.payments.max_top_up),
        methods: labels
            .iter()
            .map(|p| MethodRow {
                key: p.key.to_owned(),
                label: p.label.to_owned(),
                configured: p.configured,
            })
            .collect(),
        form_token: uuid::Uuid::new_v4().to_string(),
        payments: rows
            .into_iter()
            .map(|r| {
                let p = r.payment;
                PaymentRow {
                    id: p.id,
                    at: p.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    company: r.company,
                    method: label(&p.provider),
                    amount: money(p.amount_micros, &p.currency),
                    reversed: if p.reversed_micros == 0 {
                        String::new()
                    } else {
                        money(p.reversed_micros, &p.currency)
                    },
                    refundable: if p.status == "paid" && p.amount_micros > p.reversed_micros {
                        display(
                            p.amount_micros - p.reversed_micros,
                            currency_decimals(&p.currency),
                        )
                    } else {
                        String::new()
                    },
                    status: p.status,
                    message: p.message,
                }
            })
            .collect(),
        currency,
        balance,
        total,
        page,
        per_page,
        review,
    })
}

/// Asks the payment's provider to refund `amount` (decimal text in its currency) of paid
/// payment `payment_id`; `token` is the page's one-time token, so sending the form twice refunds
/// once. The customer's balance is debited when the provider's webhook confirms the refund.
/// Returns a sentence for staff.
///
/// # Errors
/// `Validation` naming `amount`, `payment` or `provider` (refused or unreachable: the message
/// says which); `Forbidden` outside the Super Admin portal.
#[server(endpoint = "refund_payment")]
pub async fn refund_payment(
    payment_id: i64,
    amount: String,
    token: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let said = services::payments::refunds::refund(&svc, &me.actor(), payment_id, &amount, &token)
        .await
        .map_err(fail)?;
    // Without JavaScript the browser follows this back to the list, which says what was asked.
    leptos_axum::redirect(&format!("/admin/payments?refund_asked={payment_id}"));
    Ok(said)
}

/// Starts a top-up of the signed-in customer (with its promo code, if any) and sends the browser
/// to the provider's payment page (a redirect; the address is also returned).
///
/// # Errors
/// `Validation` naming `amount`, `promo_code`, `provider` (not configured, refused,
/// unreachable) or `token`;
/// `Conflict{token}` for a token reused with another amount; `Forbidden` for staff, carrier and
/// switch users (a customer pays for itself).
#[server(endpoint = "start_top_up")]
pub async fn start_top_up(
    amount: String,
    provider: String,
    token: String,
    promo_code: Option<String>,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to, site_origin};
    use domain::access::Portal;
    use services::payments::{self, TopUpInput};
    let me = signed_in_to(Portal::Customer).await?;
    let svc = services()?;
    let actor = me.actor();
    let customer_id = actor
        .customer_id
        .ok_or_else(|| fail(services::ServiceError::Forbidden))?;
    let checkout = payments::start_top_up(
        &svc,
        &actor,
        customer_id,
        TopUpInput {
            amount,
            provider,
            token,
            promo_code: promo_code.unwrap_or_default(),
        },
        &site_origin(),
    )
    .await
    .map_err(fail)?;
    leptos_axum::redirect(&checkout.url);
    Ok(checkout.url)
}
