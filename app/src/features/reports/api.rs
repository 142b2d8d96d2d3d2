use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of the margin report as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginLine {
    /// Carrier, customer or destination.
    pub name: String,
    /// Rated calls.
    pub calls: i64,
    /// Billed minutes, one decimal.
    pub minutes: String,
    /// Revenue with its currency.
    pub revenue: String,
    /// Cost with its currency.
    pub cost: String,
    /// Margin with its currency, or `–` across two currencies.
    pub margin: String,
    /// Margin as a share of revenue, `33.3 %`, or empty.
    pub margin_pct: String,
    /// Whether the margin is below zero.
    pub loss: bool,
}

/// The margin report page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginPage {
    /// First day shown in the form.
    pub from: String,
    /// Last day.
    pub to: String,
    /// `carrier`, `customer` or `destination`.
    pub by: String,
    /// Rows, largest revenue first.
    pub rows: Vec<MarginLine>,
    /// One total per pair of currencies.
    pub totals: Vec<MarginLine>,
    /// The chart's currency, empty when no call was rated.
    pub currency: String,
    /// The chart by day (SVG drawn on the server).
    pub chart_svg: String,
}

/// The revenue, cost and margin of the rated calls from `from` to `to` (`YYYY-MM-DD`, UTC;
/// default this month) by `by` (`carrier`, `customer`, `destination`); staff only.
///
/// # Errors
/// `Validation` naming `from`, `to` or `by`; `Forbidden` unless staff.
#[server(endpoint = "margin_data")]
pub async fn margin_data(
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
) -> Result<MarginPage, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use chrono::Datelike as _;
    use domain::access::Portal;
    use services::cdrs::AMOUNT_DECIMALS;
    use services::reports::{GroupBy, MarginRow, margin_report};
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let today = chrono::Utc::now().date_naive();
    let from = from
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today).to_string());
    let to = to
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| today.to_string());
    let by_text = by.unwrap_or_default();
    let group = GroupBy::parse(&by_text).map_err(fail)?;
    let report = margin_report(&svc.db, &me.actor(), &from, &to, group)
        .await
        .map_err(fail)?;
    let decimals = |c: &str| AMOUNT_DECIMALS.max(services::ledger::currency_decimals(c));
    let money = |m: i64, c: &str| format!("{} {c}", domain::ledger::display(m, decimals(c)));
    let line = |r: &MarginRow| MarginLine {
        name: r.name.clone(),
        calls: r.calls,
        minutes: format!("{}.{}", r.billed_secs / 60, (r.billed_secs % 60) / 6),
        revenue: money(r.revenue.micros, &r.revenue.currency),
        cost: money(r.cost.micros, &r.cost.currency),
        margin: r
            .margin
            .map_or_else(|| "–".to_owned(), |m| money(m, &r.revenue.currency)),
        margin_pct: match r.margin {
            Some(m) if r.revenue.micros > 0 => {
                let tenths = i128::from(m) * 1000 / i128::from(r.revenue.micros);
                let sign = if tenths < 0 { "-" } else { "" };
                format!("{sign}{}.{} %", tenths.abs() / 10, tenths.abs() % 10)
            }
            _ => String::new(),
        },
        loss: r.margin.is_some_and(|m| m < 0),
    };
    let chart_svg = if report.currency.is_empty() {
        String::new()
    } else {
        super::chart::days_svg(
            &report.days,
            &report.currency,
            services::ledger::currency_decimals(&report.currency),
        )
    };
    Ok(MarginPage {
        from,
        to,
        by: match group {
            GroupBy::Carrier => "carrier",
            GroupBy::Customer => "customer",
            GroupBy::Destination => "destination",
        }
        .to_owned(),
        rows: report.rows.iter().map(line).collect(),
        totals: report.totals.iter().map(line).collect(),
        currency: report.currency,
        chart_svg,
    })
}

/// A day or destination of a customer's usage, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    /// A destination, or `Total`.
    pub label: String,
    /// Rated calls.
    pub calls: i64,
    /// Billed minutes, one decimal.
    pub minutes: String,
    /// Charged, with the currency's decimals (4 at least).
    pub spend: String,
    /// Share of the period's spend, `62.5 %`.
    pub share: String,
}

/// The customer's Usage page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsagePage {
    /// First day shown.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The billing currency.
    pub currency: String,
    /// Spend per day (SVG drawn on the server), empty without calls.
    pub chart_svg: String,
    /// Per destination, largest spend first.
    pub by_destination: Vec<UsageLine>,
    /// All of it.
    pub total: UsageLine,
}

/// The signed-in customer's usage from `from` to `to` (`YYYY-MM-DD`, UTC; default this month):
/// spend per day and per destination.
///
/// # Errors
/// `Validation` naming `from` or `to`; `NotFound` for a user without a customer.
#[server(endpoint = "usage_data")]
pub async fn usage_data(from: Option<String>, to: Option<String>) -> Result<UsagePage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use chrono::Datelike as _;
    use services::cdrs::AMOUNT_DECIMALS;
    use services::reports::Usage;
    let svc = services()?;
    let me = signed_in().await?;
    let actor = me.actor();
    let customer_id = actor
        .customer_id
        .ok_or_else(|| fail(services::ServiceError::NotFound))?;
    let today = chrono::Utc::now().date_naive();
    let from = from
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today).to_string());
    let to = to
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| today.to_string());
    let report = services::reports::usage(&svc.db, &actor, customer_id, &from, &to)
        .await
        .map_err(fail)?;
    let minor = services::ledger::currency_decimals(&report.currency);
    let decimals = AMOUNT_DECIMALS.max(minor);
    let whole = report.total.spend;
    let line = |u: &Usage| UsageLine {
        label: if u.label.is_empty() {
            "(no destination)".to_owned()
        } else {
            u.label.clone()
        },
        calls: u.calls,
        minutes: format!("{}.{}", u.billed_secs / 60, (u.billed_secs % 60) / 6),
        spend: domain::ledger::display(u.spend, decimals),
        share: if whole > 0 {
            let tenths = i128::from(u.spend) * 1000 / i128::from(whole);
            format!("{}.{} %", tenths / 10, tenths % 10)
        } else {
            String::new()
        },
    };
    Ok(UsagePage {
        chart_svg: if report.total.calls > 0 {
            super::chart::spend_svg(&report.days, &report.currency, minor)
        } else {
            String::new()
        },
        by_destination: report.by_destination.iter().map(line).collect(),
        total: line(&report.total),
        from,
        to,
        currency: report.currency,
    })
}
