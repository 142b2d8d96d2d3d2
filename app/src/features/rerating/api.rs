use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A run as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// `2026-11-01 to 2026-11-30`.
    pub period: String,
    /// A company name, or `All customers`.
    pub customer: String,
    /// `queued`, `running`, `failed`, `dry_run`, `applying`, `applied` or `stale`.
    pub status: String,
    /// CDRs looked at (so far, while the dry run runs).
    pub checked: i64,
    /// How many CDRs the period held when the dry run was queued (its progress bar's end).
    pub total: i64,
    /// CDRs whose rating changes.
    pub changed: i64,
    /// `2026-11-30 17:02 UTC by staff@…`.
    pub created: String,
}

/// The Re-rating page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerateOverview {
    /// The latest runs, newest first.
    pub runs: Vec<RunRow>,
    /// The tenant's customers: (id, company).
    pub customers: Vec<(String, String)>,
    /// Today and the first of this month, `YYYY-MM-DD` (the form's defaults).
    pub today: String,
    /// The first day of this month.
    pub month_start: String,
}

/// A customer's line of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRow {
    /// Company name.
    pub customer: String,
    /// Calls re-priced.
    pub cdrs: i64,
    /// What they were charged, with currency.
    pub before: String,
    /// What they will be (or were) charged after.
    pub after: String,
    /// The ledger entry: `-0.0420 USD` (a debit), `+0.0070 USD` (a credit) or `none`.
    pub adjustment: String,
    /// Whether the entry is posted.
    pub posted: bool,
}

/// A changed call of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// The switch's call id.
    pub call_id: String,
    /// Start, `YYYY-MM-DD HH:MM UTC`.
    pub start: String,
    /// Called number.
    pub number: String,
    /// Destination after.
    pub destination: String,
    /// `unrated → rated`, or `rated` when it stays rated.
    pub status: String,
    /// Price before → after, with currency.
    pub price: String,
    /// Cost before → after, with currency.
    pub cost: String,
}

/// One run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerateDetail {
    /// The run as listed.
    pub run: RunRow,
    /// CDRs left out.
    pub skipped: i64,
    /// Why they were left out.
    pub notes: String,
    /// `2026-11-30 17:05 UTC by admin@…`, when applied.
    pub applied: String,
    /// Per customer.
    pub lines: Vec<LineRow>,
    /// The first changed calls.
    pub changes: Vec<ChangeRow>,
}

#[cfg(feature = "ssr")]
fn run_row(
    r: &services::entities::rerates::Model,
    names: &std::collections::HashMap<i64, String>,
) -> RunRow {
    RunRow {
        id: r.id,
        period: format!(
            "{} to {}",
            r.period_from.format("%Y-%m-%d"),
            (r.period_to - chrono::Duration::days(1)).format("%Y-%m-%d")
        ),
        customer: r.customer_id.map_or_else(
            || "All customers".to_owned(),
            |id| names.get(&id).cloned().unwrap_or_default(),
        ),
        status: r.status.clone(),
        checked: r.cdrs_checked,
        total: r.cdrs_total.max(r.cdrs_checked),
        changed: r.cdrs_changed,
        created: format!(
            "{} by {}",
            r.created_at.format("%Y-%m-%d %H:%M UTC"),
            r.created_by
        ),
    }
}

#[cfg(feature = "ssr")]
async fn customer_names(
    svc: &services::Services,
    tenant_id: i64,
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let db = &svc.db;
    Ok(
        services::tenancy::in_tenant::<services::entities::customers::Entity>(tenant_id)
            .all(db)
            .await
            .map_err(|e| crate::ssr::fail(services::ServiceError::from(e)))?
            .into_iter()
            .map(|c| (c.id, c.company_name))
            .collect(),
    )
}

/// The latest re-ratings and the form's choices (staff only).
///
/// # Errors
/// `Forbidden` unless staff.
#[server(endpoint = "rerate_list")]
pub async fn rerate_list() -> Result<RerateOverview, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use chrono::Datelike as _;
    use domain::access::Portal;
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let actor = me.actor();
    let runs = services::cdrs::rerate::list(&svc.db, &actor, 20)
        .await
        .map_err(fail)?;
    let names = customer_names(&svc, actor.tenant_id).await?;
    let mut customers: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    customers.sort_by(|a, b| a.1.cmp(&b.1));
    let today = chrono::Utc::now().date_naive();
    Ok(RerateOverview {
        runs: runs.iter().map(|r| run_row(r, &names)).collect(),
        customers,
        today: today.to_string(),
        month_start: today.with_day(1).unwrap_or(today).to_string(),
    })
}

/// Queues a dry run of `from`..=`to` (`YYYY-MM-DD`) for `customer_id` (empty: all) as a job
/// and goes to its page, which shows its progress until it is done.
///
/// # Errors
/// `Validation` naming `from`, `to` or `customer_id`; `Forbidden` unless staff.
#[server(endpoint = "start_rerate")]
pub async fn start_rerate(from: String, to: String, customer_id: String) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let customer_id = match customer_id.trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| {
            fail(services::ServiceError::field(
                "customer_id",
                "choose a customer",
            ))
        })?),
    };
    let run = services::cdrs::rerate::dry_run(
        &svc,
        &me.actor(),
        services::cdrs::rerate::RerateInput {
            from,
            to,
            customer_id,
        },
    )
    .await
    .map_err(|e| match e {
        services::ServiceError::NotFound => fail(services::ServiceError::field(
            "customer_id",
            "names no customer of this tenant",
        )),
        other => fail(other),
    })?;
    leptos_axum::redirect(&format!("/admin/rerating/{}", run.id));
    Ok(run.id)
}

/// Run `id` with its customer lines and its first 50 changed calls (staff only).
///
/// # Errors
/// `NotFound`; `Forbidden` unless staff.
#[server(endpoint = "get_rerate")]
pub async fn get_rerate(id: i64) -> Result<RerateDetail, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::cdrs::AMOUNT_DECIMALS;
    let nf = crate::ssr::number_format();
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let actor = me.actor();
    let view = services::cdrs::rerate::view(&svc.db, &actor, id, 50)
        .await
        .map_err(fail)?;
    let names = customer_names(&svc, actor.tenant_id).await?;
    let money = |m: i64, currency: &str| {
        nf.money(
            m,
            AMOUNT_DECIMALS.max(services::ledger::currency_decimals(currency)),
            currency,
        )
    };
    let maybe =
        |m: Option<i64>, currency: &str| m.map_or_else(|| "–".to_owned(), |m| money(m, currency));
    let r = &view.run;
    Ok(RerateDetail {
        run: run_row(r, &names),
        skipped: r.cdrs_skipped,
        notes: r.notes.clone(),
        applied: r
            .applied_at
            .map(|t| format!("{} by {}", t.format("%Y-%m-%d %H:%M UTC"), r.applied_by))
            .unwrap_or_default(),
        lines: view
            .lines
            .iter()
            .map(|(l, name)| {
                let diff = l.charged_before - l.charged_after;
                LineRow {
                    customer: name.clone(),
                    cdrs: l.cdrs,
                    before: money(l.charged_before, &l.currency),
                    after: money(l.charged_after, &l.currency),
                    adjustment: if diff == 0 {
                        "none".to_owned()
                    } else if diff > 0 {
                        format!("+{}", money(diff, &l.currency))
                    } else {
                        money(diff, &l.currency)
                    },
                    posted: l.ledger_entry_id.is_some(),
                }
            })
            .collect(),
        changes: view
            .changes
            .iter()
            .map(|(c, cdr)| ChangeRow {
                call_id: cdr.call_id.clone(),
                start: cdr.start_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                number: cdr.b_number.clone(),
                destination: c.new_destination.clone(),
                status: if c.old_status == c.new_status {
                    c.new_status.clone()
                } else {
                    format!("{} → {}", c.old_status, c.new_status)
                },
                price: format!(
                    "{} → {}",
                    maybe(c.old_price, &c.price_currency),
                    maybe(c.new_price, &c.price_currency)
                ),
                cost: format!(
                    "{} → {}",
                    maybe(c.old_cost, &c.old_cost_currency),
                    maybe(c.new_cost, &c.new_cost_currency)
                ),
            })
            .collect(),
    })
}

/// Applies dry run `id`: re-rates its calls and posts one adjustment per customer, then shows
/// the run again with what was done.
///
/// # Errors
/// `Validation{rerate}` when its CDRs changed since (run a new dry run); `NotFound`;
/// `Forbidden` unless staff.
#[server(endpoint = "apply_rerate")]
pub async fn apply_rerate(id: i64) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::cdrs::rerate::Applied;
    let svc = services()?;
    let me = signed_in_to(Portal::Admin).await?;
    let done = services::cdrs::rerate::apply(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)?;
    let message = match done {
        Applied::Now(_) => "applied",
        Applied::Before(_) => "already",
    };
    leptos_axum::redirect(&format!("/admin/rerating/{id}?done={message}"));
    Ok(message.to_owned())
}
