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

/// The period a report form asked for, `this month to today` where a day is left empty.
#[cfg(feature = "ssr")]
fn period_or_this_month(from: Option<String>, to: Option<String>) -> (String, String) {
    use chrono::Datelike as _;
    let today = chrono::Utc::now().date_naive();
    let given = |d: Option<String>| d.filter(|d| !d.trim().is_empty());
    (
        given(from).unwrap_or_else(|| today.with_day(1).unwrap_or(today).to_string()),
        given(to).unwrap_or_else(|| today.to_string()),
    )
}

/// Billed seconds as minutes with one decimal (tenths rounded down), `2.5`.
#[cfg(feature = "ssr")]
fn minutes(secs: i64) -> String {
    format!("{}.{}", secs / 60, (secs % 60) / 6)
}

/// `part` as a percent of `whole` with one decimal (rounded toward zero), `-4.7 %`; empty when
/// `whole` is not above zero.
#[cfg(feature = "ssr")]
fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return String::new();
    }
    let tenths = i128::from(part) * 1000 / i128::from(whole);
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{} %", tenths.abs() / 10, tenths.abs() % 10)
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
    use domain::access::Portal;
    use services::cdrs::AMOUNT_DECIMALS;
    use services::reports::{GroupBy, MarginRow, margin_report};
    let nf = crate::ssr::number_format();
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let (from, to) = period_or_this_month(from, to);
    let by_text = by.unwrap_or_default();
    let group = GroupBy::parse(&by_text).map_err(fail)?;
    let report = margin_report(&svc.db, &me.actor(), &from, &to, group)
        .await
        .map_err(fail)?;
    let decimals = |c: &str| AMOUNT_DECIMALS.max(services::ledger::currency_decimals(c));
    let money = |m: i64, c: &str| nf.money(m, decimals(c), c);
    let line = |r: &MarginRow| MarginLine {
        name: r.name.clone(),
        calls: r.calls,
        minutes: minutes(r.billed_secs),
        revenue: money(r.revenue.micros, &r.revenue.currency),
        cost: money(r.cost.micros, &r.cost.currency),
        margin: r
            .margin
            .map_or_else(|| "–".to_owned(), |m| money(m, &r.revenue.currency)),
        margin_pct: r
            .margin
            .map_or_else(String::new, |m| percent(m, r.revenue.micros)),
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
    use services::cdrs::AMOUNT_DECIMALS;
    use services::reports::Usage;
    let nf = crate::ssr::number_format();
    let svc = services()?;
    let me = signed_in().await?;
    let actor = me.actor();
    let customer_id = actor
        .customer_id
        .ok_or_else(|| fail(services::ServiceError::NotFound))?;
    let (from, to) = period_or_this_month(from, to);
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
        minutes: minutes(u.billed_secs),
        spend: nf.amount(u.spend, decimals),
        share: percent(u.spend, whole),
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
