use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A CDR as the tables show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdrRow {
    /// Call start, `YYYY-MM-DD HH:MM:SS UTC`.
    pub start: String,
    /// The switch's call id.
    pub call_id: String,
    /// Customer's company name, or empty when unknown.
    pub customer: String,
    /// Carrier's name (operators only), or empty.
    pub carrier: String,
    /// Called number as stored.
    pub number: String,
    /// Matched destination, or empty.
    pub destination: String,
    /// Connected seconds.
    pub duration: i32,
    /// Billed seconds.
    pub billed: i32,
    /// Price with currency, or empty.
    pub price: String,
    /// Buy cost with currency (operators only), or empty.
    pub cost: String,
    /// `rated`, `unpaid` or `unrated`.
    pub status: String,
    /// Why it is unrated or unpaid.
    pub reason: String,
}

/// A page of CDRs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdrPage {
    /// Rows, newest call first.
    pub rows: Vec<CdrRow>,
    /// CDRs matching the filters.
    pub total: u64,
    /// Page number.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// Whether the viewer runs the switch (sees carriers, costs, the upload).
    pub operator: bool,
}

/// CDRs matching `status` (`rated`, `unpaid`, `unrated`) and `q` (call id or number), 50 a
/// page: the tenant's for staff and switch operators, the customer's own for a customer user.
///
/// # Errors
/// `Validation{status}`; `Forbidden` for carrier users.
#[server(endpoint = "list_cdrs")]
pub async fn list_cdrs(
    status: Option<String>,
    q: Option<String>,
    page: Option<u64>,
) -> Result<CdrPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use services::cdrs::AMOUNT_DECIMALS;
    use services::cdrs::list::CdrFilter;
    let nf = crate::ssr::number_format();
    let svc = services()?;
    let me = signed_in().await?;
    let actor = me.actor();
    let operator = services::carriers::manages_carriers(actor.role);
    let per_page = 50;
    let page = page.unwrap_or(1).max(1);
    let (rows, total) = services::cdrs::list::list_cdrs(
        &svc.db,
        &actor,
        &CdrFilter { status, text: q },
        page,
        per_page,
    )
    .await
    .map_err(fail)?;
    let customers: std::collections::HashMap<i64, String> =
        services::tenancy::in_tenant::<services::entities::customers::Entity>(actor.tenant_id)
            .all(&svc.db)
            .await
            .map_err(|e| fail(services::ServiceError::from(e)))?
            .into_iter()
            .map(|c| (c.id, c.company_name))
            .collect();
    let carriers: std::collections::HashMap<i64, String> = if operator {
        services::tenancy::in_tenant::<services::entities::carriers::Entity>(actor.tenant_id)
            .all(&svc.db)
            .await
            .map_err(|e| fail(services::ServiceError::from(e)))?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        Default::default()
    };
    let money = |m: Option<i64>, currency: &str| {
        m.map(|m| {
            nf.money(
                m,
                AMOUNT_DECIMALS.max(services::ledger::currency_decimals(currency)),
                currency,
            )
        })
        .unwrap_or_default()
    };
    Ok(CdrPage {
        rows: rows
            .into_iter()
            .map(|c| CdrRow {
                start: c.start_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                customer: c
                    .customer_id
                    .and_then(|id| customers.get(&id).cloned())
                    .unwrap_or_default(),
                carrier: c
                    .carrier_id
                    .and_then(|id| carriers.get(&id).cloned())
                    .unwrap_or_default(),
                number: c.b_number,
                destination: c.destination,
                duration: c.duration_secs,
                billed: c.billed_secs,
                // A price converted from the card's currency says from what, at which rate.
                price: match c.sell_micros {
                    Some(sell) => format!(
                        "{} ({} at {})",
                        money(c.price_micros, &c.price_currency),
                        money(Some(sell), &c.sell_currency),
                        c.fx_rate
                    ),
                    None => money(c.price_micros, &c.price_currency),
                },
                cost: if operator {
                    money(c.cost_micros, &c.cost_currency)
                } else {
                    String::new()
                },
                // Unrated reasons speak of carriers and cards: a customer reads that its
                // provider is on it; an unpaid one's reason is about its own balance.
                reason: if operator || c.status != "unrated" {
                    c.reason
                } else {
                    "not priced yet: your provider is checking this call".to_owned()
                },
                status: c.status,
                call_id: c.call_id,
            })
            .collect(),
        total,
        page,
        per_page,
        operator,
    })
}

/// A CDR file rated by the `billing.rate_cdrs` job, as Carriers > CDRs lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdrFileRow {
    /// Its id (for the problems download).
    pub id: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// When and by whom, `YYYY-MM-DD HH:MM UTC · e-mail`.
    pub uploaded: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Lines done and in all, while it runs.
    pub progress: Option<(i64, i64)>,
    /// The counts in words, or why it failed.
    pub summary: String,
    /// Refused, unrated and unpaid lines so far (the problems download lists them).
    pub problems: i64,
}

/// The tenant's 10 newest CDR files, with the progress of those still running.
///
/// # Errors
/// `Forbidden` unless staff or a switch operator.
#[server(endpoint = "cdr_files")]
pub async fn cdr_files() -> Result<Vec<CdrFileRow>, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let svc = services()?;
    let me = signed_in().await?;
    let files = services::cdrs::file_jobs::list_files(&svc.db, &me.actor(), 10)
        .await
        .map_err(fail)?;
    Ok(files
        .into_iter()
        .map(|(f, progress)| CdrFileRow {
            id: f.id,
            file_name: f.file_name.clone(),
            uploaded: format!(
                "{} · {}",
                f.created_at.format("%Y-%m-%d %H:%M UTC"),
                f.uploaded_by
            ),
            progress: progress
                .map(|(done, total, _)| (done, total))
                .or_else(|| (f.status == "queued").then_some((0, f.lines))),
            summary: match f.status.as_str() {
                "failed" => f.message.clone(),
                _ => services::cdrs::file_jobs::summary(&f),
            },
            problems: f.refused + f.unrated + f.unpaid,
            status: f.status,
        })
        .collect())
}
