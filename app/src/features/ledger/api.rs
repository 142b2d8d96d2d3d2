use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A ledger entry as the tables show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRow {
    /// Id.
    pub id: i64,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub at: String,
    /// Kind label, e.g. `Top-up`.
    pub kind: String,
    /// Signed amount with its currency's decimals at least, `+25.50` or `-0.004`.
    pub amount: String,
    /// Balance after it.
    pub balance_after: String,
    /// Reason or description.
    pub description: String,
    /// What caused it (a CDR, a payment), or empty.
    pub reference: String,
    /// Who posted it (an e-mail, or `system`).
    pub by: String,
}

/// A low-balance or calls-stopped alert as the Balance page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    /// `Low balance` or `Calls stopped`.
    pub kind: String,
    /// Whether it is `calls_stopped`.
    pub stopped: bool,
    /// When the balance crossed, `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// The balance then, with its currency.
    pub balance: String,
    /// The level crossed (the threshold, or minus the credit limit), with its currency.
    pub level: String,
    /// Where the notice goes, and its state (`queued`).
    pub email: String,
    /// When the balance was back above the level, or empty while the alert is open.
    pub cleared: String,
}

/// A ledger page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPage {
    /// The customer.
    pub customer_id: i64,
    /// Its company name.
    pub company: String,
    /// Billing currency.
    pub currency: String,
    /// Balance.
    pub balance: String,
    /// Whether the balance is below zero.
    pub negative: bool,
    /// Credit limit.
    pub credit_limit: String,
    /// What may still be spent.
    pub available: String,
    /// A page of entries, newest first.
    pub entries: Vec<EntryRow>,
    /// Entries matching the filters.
    pub total: u64,
    /// Page number.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// Whether the viewer is staff (may post manual entries).
    pub staff: bool,
    /// A one-time token for the manual-entry form (its idempotency key).
    pub form_token: String,
    /// Every kind, for the filter: (key, label).
    pub kinds: Vec<(String, String)>,
    /// The kinds staff may post: (key, label).
    pub manual_kinds: Vec<(String, String)>,
    /// The CSV export of the filtered entries.
    pub csv_href: String,
    /// The low-balance threshold (decimal text in `currency`), empty for none.
    pub low_balance: String,
    /// The latest alerts, newest first; open ones have an empty `cleared`.
    pub alerts: Vec<AlertRow>,
}

/// The ledger of `customer_id` (staff) or of the signed-in customer (`None`), filtered by
/// `kind`, `from`/`to` (`YYYY-MM-DD`, included) and `q` (description or reference), 50 per page.
///
/// # Errors
/// `Validation` naming `kind`, `from` or `to`; `NotFound` for another tenant's or customer's
/// ledger; `Forbidden` for carrier and switch users.
#[server(endpoint = "ledger_data")]
pub async fn ledger_data(
    customer_id: Option<i64>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<u64>,
) -> Result<LedgerPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use domain::ledger::{EntryKind, display};
    use services::ledger::{self, EntryFilter, MANUAL_KINDS, currency_decimals};
    let nf = crate::ssr::number_format();
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let customer_id = match customer_id.or(actor.customer_id) {
        Some(id) => id,
        None => return Err(fail(services::ServiceError::NotFound)),
    };
    let filter = EntryFilter::parse(
        kind.as_deref(),
        from.as_deref(),
        to.as_deref(),
        q.as_deref(),
    )
    .map_err(fail)?;
    let customer = ledger::ledger_customer(&svc.db, &actor, customer_id)
        .await
        .map_err(fail)?;
    // The customer is checked once; the rest reads its rows.
    let balance = ledger::balance_of(&svc.db, &customer).await.map_err(fail)?;
    let alerts = services::balances::alerts_of(&svc.db, customer.id, 10)
        .await
        .map_err(fail)?;
    let per_page = 50;
    let page = page.unwrap_or(1).max(1);
    let (rows, total) = ledger::entries_of(&svc.db, &customer, &filter, page, per_page)
        .await
        .map_err(fail)?;
    let minor = currency_decimals(&balance.currency);
    let signed = |m: i64| nf.signed(m, minor);
    let staff = actor.role.is_staff();
    let entries = rows
        .into_iter()
        .map(|e| EntryRow {
            id: e.id,
            at: e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            kind: EntryKind::parse(&e.kind).map_or(e.kind.clone(), |k| k.label().to_owned()),
            amount: signed(e.amount_micros),
            balance_after: nf.amount(e.balance_after_micros, minor),
            description: match e.original_micros {
                Some(original) => format!(
                    "{}, converted from {} {} at 1 {} = {} {}",
                    e.description,
                    nf.amount(original.abs(), currency_decimals(&e.original_currency)),
                    e.original_currency,
                    e.original_currency,
                    e.fx_rate,
                    e.currency
                ),
                None => e.description,
            },
            reference: e.reference,
            // A customer sees who posted an entry only as the platform or its provider.
            by: if staff || e.created_by == "system" {
                e.created_by
            } else {
                "your provider".to_owned()
            },
        })
        .collect();
    let base = if staff {
        format!("/admin/customers/{customer_id}/ledger.csv")
    } else {
        "/customer/balance/entries.csv".to_owned()
    };
    let mut params = Vec::new();
    for (k, v) in [("kind", &kind), ("from", &from), ("to", &to), ("q", &q)] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            params.push(format!("{k}={}", crate::ui::page::percent_encode(v)));
        }
    }
    let csv_href = if params.is_empty() {
        base
    } else {
        format!("{base}?{}", params.join("&"))
    };
    let pair = |k: EntryKind| (k.as_str().to_owned(), k.label().to_owned());
    Ok(LedgerPage {
        customer_id,
        company: customer.company_name,
        currency: balance.currency.clone(),
        balance: nf.amount(balance.balance_micros, minor),
        negative: balance.balance_micros < 0,
        credit_limit: nf.amount(balance.credit_limit_micros, minor),
        available: nf.amount(balance.available_micros, minor),
        entries,
        total,
        page,
        per_page,
        staff,
        form_token: uuid::Uuid::new_v4().to_string(),
        kinds: EntryKind::ALL.into_iter().map(pair).collect(),
        manual_kinds: MANUAL_KINDS.into_iter().map(pair).collect(),
        csv_href,
        low_balance: customer
            .low_balance_micros
            .map_or_else(String::new, |m| display(m, minor)),
        alerts: alerts
            .into_iter()
            .map(|a| {
                let money = |m: i64| nf.money(m, minor, &a.currency);
                AlertRow {
                    kind: services::balances::kind_label(&a.kind).to_owned(),
                    stopped: a.kind == services::balances::CALLS_STOPPED,
                    at: a.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    balance: money(a.balance_micros),
                    level: money(a.level_micros),
                    email: if a.email_to.is_empty() {
                        "no e-mail address on the account".to_owned()
                    } else {
                        format!("{} ({})", a.email_to, a.email_status)
                    },
                    cleared: a
                        .cleared_at
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default(),
                }
            })
            .collect(),
    })
}

/// Sets the low-balance alert threshold of `customer_id` (staff) or of the signed-in customer
/// (`None`): `low_balance` is decimal text in the customer's currency, empty to turn the alert
/// off. Answers what was set.
///
/// # Errors
/// `Validation{low_balance}` for text that is not an amount; `NotFound`; `Forbidden` for
/// carrier and switch users.
#[server(endpoint = "set_low_balance")]
pub async fn set_low_balance(
    customer_id: Option<i64>,
    low_balance: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use services::ledger::currency_decimals;
    let nf = crate::ssr::number_format();
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let customer_id = customer_id
        .or(actor.customer_id)
        .ok_or_else(|| fail(services::ServiceError::NotFound))?;
    let c = services::balances::set_threshold(&svc.db, &actor, customer_id, &low_balance)
        .await
        .map_err(fail)?;
    Ok(match c.low_balance_micros {
        Some(m) => format!(
            "An alert goes to {} when the balance falls below {} {}.",
            if c.billing_email.is_empty() {
                &c.contact_email
            } else {
                &c.billing_email
            },
            nf.amount(m, currency_decimals(&c.billing_currency)),
            c.billing_currency
        ),
        None => "The low-balance alert is off.".to_owned(),
    })
}

/// Posts a manual entry for customer `customer_id`: `kind` (`top_up`, `refund`, `bonus`,
/// `adjustment`), `amount` (decimal text in the customer's currency; negative only for an
/// adjustment), `reason`; `token` is the form's one-time key, so a form sent twice posts once.
/// Answers what happened, e.g. `Posted +25.50 USD; the balance is 25.50 USD.`
///
/// # Errors
/// `Validation` naming `kind`, `amount` or `reason`; `Forbidden` unless staff; `NotFound`.
#[server(endpoint = "add_ledger_entry")]
pub async fn add_ledger_entry(
    customer_id: i64,
    kind: String,
    amount: String,
    reason: String,
    token: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::ledger::{self, AdjustmentInput, Posted, currency_decimals};
    let nf = crate::ssr::number_format();
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let posted = ledger::adjust(
        &svc.db,
        &me.actor(),
        AdjustmentInput {
            customer_id,
            kind,
            amount,
            reason,
            idempotency_key: token,
        },
    )
    .await
    .map_err(fail)?;
    let e = posted.entry();
    let minor = currency_decimals(&e.currency);
    let amount = nf.signed(e.amount_micros, minor);
    let after = nf.amount(e.balance_after_micros, minor);
    Ok(match posted {
        Posted::New(_) => format!(
            "Posted {amount} {}; the balance is {after} {}.",
            e.currency, e.currency
        ),
        Posted::Replayed(_) => format!(
            "This form was already sent: {amount} {} was posted once, not twice.",
            e.currency
        ),
    })
}
