use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A statement as the tables show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRow {
    /// Id.
    pub id: i64,
    /// Invoice number (`000001`), or empty until generated.
    pub number: String,
    /// The customer's company.
    pub company: String,
    /// `YYYY-MM-DD to YYYY-MM-DD`.
    pub period: String,
    /// `queued`, `running`, `done`, `failed`.
    pub status: String,
    /// Why it failed, or empty.
    pub message: String,
    /// Opening balance with its currency, once done.
    pub opening: String,
    /// Closing balance with its currency, once done.
    pub closing: String,
    /// The PDF's address, once done.
    pub href: String,
}

/// The Statements page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementsPage {
    /// Newest first.
    pub statements: Vec<StatementRow>,
    /// Whether some are still being drawn (the page then refreshes itself).
    pub pending: bool,
    /// For staff: the customers to choose from, (id, company).
    pub customers: Vec<(String, String)>,
    /// The first and last day of last month, the form's defaults.
    pub default_from: String,
    /// Last day of last month.
    pub default_to: String,
}

/// The signed-in customer's statements, or (staff) every customer's.
///
/// # Errors
/// `Forbidden` for carrier and switch users.
#[server(endpoint = "statements_data")]
pub async fn statements_data() -> Result<StatementsPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use chrono::{Datelike, Duration, Utc};
    use services::ledger::currency_decimals;
    let nf = crate::ssr::number_format();
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let rows = services::statements::list(&svc.db, &actor, None)
        .await
        .map_err(fail)?;
    let staff = actor.customer_id.is_none();
    let base = if staff { "/admin" } else { "/customer" };
    let customers = if staff {
        services::customers::list_customers(
            &svc.db,
            &actor,
            &services::customers::CustomerQuery {
                per_page: 200,
                page: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(fail)?
        .items
        .into_iter()
        .map(|c| (c.id.to_string(), c.company_name))
        .collect()
    } else {
        Vec::new()
    };
    let pending = rows
        .iter()
        .any(|(s, _)| matches!(s.status.as_str(), "queued" | "running"));
    let today = Utc::now().date_naive();
    let first_this = today.with_day(1).unwrap_or(today);
    let last_prev = first_this - Duration::days(1);
    let first_prev = last_prev.with_day(1).unwrap_or(last_prev);
    Ok(StatementsPage {
        statements: rows
            .into_iter()
            .map(|(s, company)| {
                let done = s.status == "done";
                let money = |m: i64| {
                    if done {
                        nf.money(m, currency_decimals(&s.currency), &s.currency)
                    } else {
                        String::new()
                    }
                };
                StatementRow {
                    id: s.id,
                    number: s
                        .invoice_number
                        .map(|n| format!("{n:06}"))
                        .unwrap_or_default(),
                    company,
                    period: format!(
                        "{} to {}",
                        s.period_from.format("%Y-%m-%d"),
                        (s.period_to - Duration::days(1)).format("%Y-%m-%d")
                    ),
                    opening: money(s.opening_micros),
                    closing: money(s.closing_micros),
                    href: if done {
                        format!("{base}/statements/{}/statement.pdf", s.id)
                    } else {
                        String::new()
                    },
                    status: s.status,
                    message: s.message,
                }
            })
            .collect(),
        pending,
        customers,
        default_from: first_prev.to_string(),
        default_to: last_prev.to_string(),
    })
}

/// Asks for the statement of a period (`YYYY-MM-DD`, both included): the signed-in customer's
/// own, or staff's for `customer_id`.
///
/// # Errors
/// `Validation` naming `from`, `to` or `customer_id`; `NotFound`; `Forbidden`.
#[server(endpoint = "request_statement")]
pub async fn request_statement(
    customer_id: Option<String>,
    from: String,
    to: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let customer_id = match actor.customer_id {
        Some(own) => own,
        None => customer_id
            .and_then(|c| c.trim().parse().ok())
            .ok_or_else(|| {
                fail(services::ServiceError::field(
                    "customer_id",
                    "choose a customer",
                ))
            })?,
    };
    let locale = crate::ssr::number_format().tag();
    let s = services::statements::request(&svc, &actor, customer_id, &from, &to, locale)
        .await
        .map_err(fail)?;
    Ok(match s.status.as_str() {
        "done" => format!(
            "This statement exists already: number {:06}, below.",
            s.invoice_number.unwrap_or_default()
        ),
        _ => "The statement is being drawn: it appears below in a few seconds.".to_owned(),
    })
}
