//! Top-ups through payment providers. A customer starts a top-up ([`start_top_up`]): a
//! `payments` row is stored under the form's one-time token, the provider's hosted payment page
//! is created (Stripe Checkout, [`stripe`]) and the customer is sent there. Money moves only
//! when the provider's signed webhook says the payment succeeded ([`stripe::handle_webhook`]):
//! the top-up is then one ledger entry keyed by the provider's session id, and refunds and
//! disputes are `payment_reversal` entries keyed by the provider's refund or dispute id, so a
//! replayed webhook, or two events about the same payment, move the money once.

use crate::audit::{Actor, Changes};
use crate::entities::payments;
use crate::error::ServiceError;
use crate::ledger::{self, currency_decimals, ledger_customer};
use crate::state::Services;
use crate::tenancy::scoped;
use chrono::Utc;
use domain::ledger::{display, to_micros, to_minor_units};
use rust_decimal::Decimal;
use sea_orm::TransactionTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::str::FromStr;

mod events;
pub mod paypal;
pub mod promo;
pub mod refunds;
pub mod stripe;

pub use events::{EventOutcome, WebhookError};

/// What a webhook says of an event top-ups do not act on.
const IGNORED: &str = "ignored: not an event top-ups use";

/// A provider a customer may pay with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Stored key, e.g. `stripe`.
    pub key: &'static str,
    /// For people, e.g. `Card (Stripe)`.
    pub label: &'static str,
    /// Whether its keys are set; when not, the Top up page says so and refuses it.
    pub configured: bool,
}

/// The providers of this platform and whether each is configured.
pub fn providers(svc: &Services) -> Vec<Provider> {
    vec![
        Provider {
            key: "stripe",
            label: "Card (Stripe)",
            configured: svc.settings.stripe.configured(),
        },
        Provider {
            key: "paypal",
            label: "PayPal",
            configured: svc.settings.paypal.configured(),
        },
    ]
}

/// What a customer asks for on the Top up page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpInput {
    /// Decimal text in the customer's billing currency, e.g. `50` or `25.50`.
    pub amount: String,
    /// A [`Provider::key`].
    pub provider: String,
    /// The form's one-time token: sending the form twice starts one payment.
    pub token: String,
    /// A promo code (any case), or empty.
    pub promo_code: String,
}

/// Where to send the customer to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The payment's id.
    pub payment_id: i64,
    /// The provider's hosted payment page.
    pub url: String,
}

/// The top-up limits of the settings, in micro-units.
fn limits(svc: &Services) -> (i64, i64) {
    let micros = |text: &str| {
        Decimal::from_str(text.trim())
            .ok()
            .and_then(|d| to_micros(d).ok())
            .unwrap_or(0)
    };
    (
        micros(&svc.settings.payments.min_top_up),
        micros(&svc.settings.payments.max_top_up),
    )
}

/// Checks `amount` (decimal text) as a top-up in `currency`: positive, whole minor units
/// (cents), within the `[payments]` limits. Returns micro-units.
///
/// # Errors
/// `Validation` naming `amount`, with the limits in the message.
pub fn check_amount(svc: &Services, amount: &str, currency: &str) -> Result<i64, ServiceError> {
    let minor = currency_decimals(currency);
    let (min, max) = limits(svc);
    let range = format!(
        "from {} to {} {currency}",
        display(min, minor),
        display(max, minor)
    );
    let text = amount.trim().replace(',', ".");
    let micros = Decimal::from_str(&text)
        .ok()
        .and_then(|d| to_micros(d).ok())
        .ok_or_else(|| {
            ServiceError::field(
                "amount",
                &format!("give an amount like 50 or 25.50, {range}"),
            )
        })?;
    if to_minor_units(micros, minor).is_none() {
        return Err(ServiceError::field(
            "amount",
            &format!("{currency} amounts have {minor} decimals at most"),
        ));
    }
    if micros < min {
        return Err(ServiceError::field(
            "amount",
            &format!("the smallest top-up is {} {currency}", display(min, minor)),
        ));
    }
    if micros > max {
        return Err(ServiceError::field(
            "amount",
            &format!("the largest top-up is {} {currency}", display(max, minor)),
        ));
    }
    Ok(micros)
}

/// Checks `amount` (decimal text) as a refund of `payment`: positive, whole minor units, at
/// most what is left (the amount less what refunds and disputes took). Returns micro-units and
/// minor units.
///
/// # Errors
/// `Validation` naming `amount`.
pub(crate) fn check_refund_amount(
    payment: &payments::Model,
    amount: &str,
) -> Result<(i64, i64), ServiceError> {
    let decimals = currency_decimals(&payment.currency);
    let left = payment.amount_micros - payment.reversed_micros;
    let left_text = format!("{} {}", display(left, decimals), payment.currency);
    let micros = Decimal::from_str(&amount.trim().replace(',', "."))
        .ok()
        .and_then(|d| to_micros(d).ok())
        .filter(|m| *m > 0)
        .ok_or_else(|| {
            ServiceError::field(
                "amount",
                &format!("give an amount like 10.00, at most {left_text}"),
            )
        })?;
    let minor = to_minor_units(micros, decimals).ok_or_else(|| {
        ServiceError::field(
            "amount",
            &format!(
                "{} amounts have {decimals} decimals at most",
                payment.currency
            ),
        )
    })?;
    if micros > left {
        return Err(ServiceError::field(
            "amount",
            &format!(
                "at most {left_text} of payment {} is left to refund",
                payment.id
            ),
        ));
    }
    Ok((micros, minor))
}

/// Starts a top-up of `customer_id` (the signed-in customer, or any customer of the tenant for
/// staff): stores the payment and creates the provider's payment page, whose address is
/// returned. `site` is the origin the customer comes back to (`https://portal.example.com`).
/// Sending the same `token` again returns the same page and starts nothing new.
///
/// # Errors
/// `Validation` naming `amount` (see [`check_amount`]), `provider` (unknown, not configured,
/// or the provider refused or could not be reached: the message says which and what to do) or
/// `token`; `Conflict{token}` when the token was used for another amount; `NotFound` for
/// another tenant's or customer's account; `Forbidden` for carrier and switch users.
pub async fn start_top_up(
    svc: &Services,
    actor: &Actor,
    customer_id: i64,
    input: TopUpInput,
    site: &str,
) -> Result<Checkout, ServiceError> {
    let db = &svc.db;
    let customer = ledger_customer(db, actor, customer_id).await?;
    let provider = providers(svc)
        .into_iter()
        .find(|p| p.key == input.provider)
        .ok_or_else(|| ServiceError::field("provider", "choose a payment method"))?;
    if !provider.configured {
        return Err(ServiceError::field(
            "provider",
            &format!(
                "{} is not configured on this platform: an administrator sets its keys ({})",
                provider.label,
                if provider.key == "stripe" {
                    "stripe.secret_key, stripe.webhook_secret"
                } else {
                    "paypal.client_id, paypal.client_secret, paypal.webhook_id"
                }
            ),
        ));
    }
    let micros = check_amount(svc, &input.amount, &customer.billing_currency)?;
    let quote = if input.promo_code.trim().is_empty() {
        None
    } else {
        Some(promo::quote(db, &customer, &input.promo_code, micros).await?)
    };
    let token = input.token.trim();
    if token.is_empty() || token.len() > ledger::MAX_KEY_LEN {
        return Err(ServiceError::field(
            "token",
            "the form has no token: reload the page and send it again",
        ));
    }
    if let Some(done) = by_key(db, customer.id, token).await? {
        return replay(done, micros, provider.key);
    }
    let now = Utc::now();
    let row = payments::ActiveModel {
        tenant_id: Set(customer.tenant_id),
        customer_id: Set(customer.id),
        provider: Set(provider.key.to_owned()),
        status: Set("created".to_owned()),
        amount_micros: Set(micros),
        currency: Set(customer.billing_currency.clone()),
        provider_ref: Set(String::new()),
        provider_payment_ref: Set(String::new()),
        checkout_url: Set(String::new()),
        idempotency_key: Set(token.to_owned()),
        reversed_micros: Set(0),
        ledger_entry_id: Set(None),
        message: Set(String::new()),
        created_by: Set(actor.email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set(None),
        promo_code_id: Set(quote.as_ref().map(|(p, _)| p.id)),
        bonus_micros: Set(quote.as_ref().map_or(0, |(_, b)| *b)),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let payment = match payments::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
    {
        Ok(p) => p,
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            txn.rollback().await?;
            let done = by_key(db, customer.id, token)
                .await?
                .ok_or_else(|| ServiceError::Unexpected(anyhow::anyhow!("payment key vanished")))?;
            return replay(done, micros, provider.key);
        }
        Err(err) => return Err(err.into()),
    };
    if let Some((code, bonus)) = &quote {
        promo::reserve(&txn, code, &payment, *bonus).await?;
    }
    actor
        .audit(
            &txn,
            "create",
            "payment",
            payment.id,
            Changes::new()
                .field("customer_id", serde_json::Value::Null, customer.id)
                .field("provider", serde_json::Value::Null, provider.key)
                .field(
                    "amount",
                    serde_json::Value::Null,
                    format!(
                        "{} {}",
                        display(micros, currency_decimals(&customer.billing_currency)),
                        customer.billing_currency
                    ),
                )
                .field(
                    "promo_code",
                    serde_json::Value::Null,
                    quote
                        .as_ref()
                        .map(|(p, _)| p.code.clone())
                        .unwrap_or_default(),
                ),
        )
        .await?;
    txn.commit().await?;
    let created = match provider.key {
        "paypal" => paypal::create_order(svc, &payment, &customer, site).await,
        _ => stripe::create_checkout(svc, &payment, &customer, site)
            .await
            .map(|s| (s.id, s.url)),
    };
    let mut update: payments::ActiveModel = payment.clone().into();
    update.updated_at = Set(Utc::now());
    match created {
        Ok((id, url)) => {
            update.provider_ref = Set(id);
            update.checkout_url = Set(url.clone());
            update.update(db).await?;
            Ok(Checkout {
                payment_id: payment.id,
                url,
            })
        }
        Err(reason) => {
            update.status = Set("failed".to_owned());
            update.message = Set(reason.clone());
            update.update(db).await?;
            promo::release(db, &payment).await?;
            Err(ServiceError::field("provider", &reason))
        }
    }
}

/// The bonus promo code `code` would add to a top-up of `amount` (decimal text) by
/// `customer_id`: `(amount, bonus, code)`, micro-units and the code as stored.
///
/// # Errors
/// `Validation` naming `amount` ([`check_amount`]) or `promo_code` (`promo::quote`);
/// `NotFound`/`Forbidden` as [`start_top_up`].
pub async fn quote_bonus(
    svc: &Services,
    actor: &Actor,
    customer_id: i64,
    amount: &str,
    code: &str,
) -> Result<(i64, i64, String), ServiceError> {
    let customer = ledger_customer(&svc.db, actor, customer_id).await?;
    let micros = check_amount(svc, amount, &customer.billing_currency)?;
    let (promo, bonus) = promo::quote(&svc.db, &customer, code, micros).await?;
    Ok((micros, bonus, promo.code))
}

fn replay(done: payments::Model, micros: i64, provider: &str) -> Result<Checkout, ServiceError> {
    if done.amount_micros != micros || done.provider != provider {
        return Err(ServiceError::Conflict {
            field: "token".to_owned(),
        });
    }
    if done.checkout_url.is_empty() {
        return Err(ServiceError::field(
            "provider",
            &if done.message.is_empty() {
                "this top-up is still being created: reload the page".to_owned()
            } else {
                done.message
            },
        ));
    }
    Ok(Checkout {
        payment_id: done.id,
        url: done.checkout_url,
    })
}

async fn by_key(
    db: &impl ConnectionTrait,
    customer_id: i64,
    key: &str,
) -> Result<Option<payments::Model>, ServiceError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::CustomerId.eq(customer_id))
        .filter(payments::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// A payment as the pages list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    /// The row.
    pub payment: payments::Model,
    /// The customer's company name.
    pub company: String,
}

/// The payments of the tenant, newest first, `per_page` from `page` (1-based): a customer user
/// sees its own, staff every customer's or those of `customer_id`. Returns the rows and the
/// total.
///
/// # Errors
/// `NotFound` for another customer's payments; `Forbidden` for carrier and switch users.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: Option<i64>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<PaymentRow>, u64), ServiceError> {
    let customer_id = ledger::listed_customer(actor, customer_id)?;
    let mut query = scoped::<payments::Entity>(actor);
    if let Some(c) = customer_id {
        query = query.filter(payments::Column::CustomerId.eq(c));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(payments::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.customer_id).collect();
    let names: std::collections::HashMap<i64, String> = crate::entities::customers::Entity::find()
        .filter(crate::entities::customers::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect();
    Ok((
        rows.into_iter()
            .map(|payment| PaymentRow {
                company: names.get(&payment.customer_id).cloned().unwrap_or_default(),
                payment,
            })
            .collect(),
        total,
    ))
}
