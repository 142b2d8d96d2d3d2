//! CSV exports of the admin lists (the same filters as the page, every row rather than one page).

use crate::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use services::users::SignedIn;

/// The customer list's filters, as in its URL.
#[derive(Debug, Default, Deserialize)]
pub struct CustomerFilters {
    q: Option<String>,
    status: Option<String>,
    category: Option<i64>,
    group: Option<i64>,
    sort: Option<String>,
}

/// The audit log's filters, as in its URL.
#[derive(Debug, Default, Deserialize)]
pub struct AuditFilters {
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    all: Option<String>,
}

/// Most rows one audit export holds.
pub const AUDIT_EXPORT_LIMIT: u64 = 100_000;

/// A CSV download named `name`, cells made safe for spreadsheets.
pub(crate) fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Response {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let row: Vec<String> = row
            .into_iter()
            .map(services::validate::spreadsheet_safe)
            .collect();
        if let Err(e) = out.write_record(&row) {
            return crate::api::error_response(services::ServiceError::Unexpected(e.into()));
        }
    }
    match out.into_inner() {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            crate::api::error_response(services::ServiceError::Unexpected(anyhow::anyhow!("{e}")))
        }
    }
}

/// `GET /admin/customers/export.csv?q=&status=&category=&group=&sort=`: every matching customer.
pub async fn customers_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Query(f): Query<CustomerFilters>,
) -> Response {
    use services::customers::{CustomerQuery, CustomerSort};
    let actor = me.actor();
    let db = &state.services.db;
    let query = CustomerQuery {
        search: f.q,
        status: f.status.filter(|s| !s.is_empty()),
        category_id: f.category,
        group_id: f.group,
        sort: match f.sort.as_deref() {
            Some("newest") => CustomerSort::Newest,
            Some("status") => CustomerSort::Status,
            _ => CustomerSort::Company,
        },
        ..Default::default()
    };
    let (rows, tree) = match (
        services::customers::export_customers(db, &actor, &query).await,
        services::categories::list_categories(db, &actor).await,
    ) {
        (Ok(rows), Ok(tree)) => (rows, tree),
        (Err(e), _) | (_, Err(e)) => return crate::api::error_response(e),
    };
    let category = |id: Option<i64>| {
        id.and_then(|id| tree.iter().find(|c| c.category.id == id))
            .map(|c| c.category.name.clone())
            .unwrap_or_default()
    };
    let group = |id: Option<i64>| {
        id.and_then(|id| {
            tree.iter()
                .flat_map(|c| &c.groups)
                .find(|(g, _)| g.id == id)
        })
        .map(|(g, _)| g.name.clone())
        .unwrap_or_default()
    };
    let mut out = vec![
        [
            "id",
            "company_name",
            "contact_name",
            "contact_email",
            "contact_phone",
            "billing_email",
            "billing_currency",
            "billing_type",
            "credit_limit",
            "status",
            "category",
            "group",
            "created_at",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    out.extend(rows.into_iter().map(|c| {
        vec![
            c.id.to_string(),
            c.company_name,
            c.contact_name,
            c.contact_email,
            c.contact_phone,
            c.billing_email,
            c.billing_currency,
            c.billing_type,
            c.credit_limit,
            c.status,
            category(c.category_id),
            group(c.group_id),
            c.created_at.to_rfc3339(),
        ]
    }));
    csv_response("customers.csv", out)
}

fn day(
    field: &str,
    text: Option<String>,
) -> Result<Option<chrono::NaiveDate>, services::ServiceError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| services::ServiceError::field(field, "must be a date like 2026-11-29")),
    }
}

/// The audit query of the page's URL filters (`from`/`to` as `YYYY-MM-DD`).
///
/// # Errors
/// `Validation{from|to}` for a malformed date.
pub fn audit_query(
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    all: bool,
) -> Result<services::audit::AuditQuery, services::ServiceError> {
    Ok(services::audit::AuditQuery {
        all_tenants: all,
        actor,
        action,
        entity,
        entity_id,
        from: day("from", from)?,
        to: day("to", to)?,
        page: 1,
        per_page: 50,
    })
}

/// `GET /admin/audit/export.csv?actor=&action=&entity=&entity_id=&from=&to=&all=`: matching
/// entries, newest first, at most [`AUDIT_EXPORT_LIMIT`].
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Query(f): Query<AuditFilters>,
) -> Response {
    let query = match audit_query(
        f.actor,
        f.action,
        f.entity,
        f.entity_id,
        f.from,
        f.to,
        f.all.is_some_and(|a| a == "1" || a == "on" || a == "true"),
    ) {
        Ok(q) => q,
        Err(e) => return crate::api::error_response(e),
    };
    let rows = match services::audit::export_entries(
        &state.services.db,
        &me.actor(),
        &query,
        AUDIT_EXPORT_LIMIT,
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return crate::api::error_response(e),
    };
    let mut out = vec![
        [
            "id",
            "at",
            "tenant_id",
            "actor",
            "action",
            "entity",
            "entity_id",
            "changes",
            "ip",
            "user_agent",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    out.extend(rows.into_iter().map(|e| {
        vec![
            e.id.to_string(),
            e.created_at.to_rfc3339(),
            e.tenant_id.to_string(),
            e.actor_email.unwrap_or_else(|| "system".to_owned()),
            e.action,
            e.entity,
            e.entity_id.unwrap_or_default(),
            e.changes,
            e.ip.unwrap_or_default(),
            e.user_agent.unwrap_or_default(),
        ]
    }));
    csv_response("audit-log.csv", out)
}

/// `GET /admin/customer-categories/export.csv`: every category and group with its customer count.
pub async fn categories_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
) -> Response {
    let tree = match services::categories::list_categories(&state.services.db, &me.actor()).await {
        Ok(t) => t,
        Err(e) => return crate::api::error_response(e),
    };
    let mut out = vec![
        [
            "category_id",
            "category",
            "group_id",
            "group",
            "customers",
            "description",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for c in tree {
        out.push(vec![
            c.category.id.to_string(),
            c.category.name.clone(),
            String::new(),
            String::new(),
            c.customers.to_string(),
            c.category.description.clone(),
        ]);
        for (g, n) in c.groups {
            out.push(vec![
                c.category.id.to_string(),
                c.category.name.clone(),
                g.id.to_string(),
                g.name,
                n.to_string(),
                g.description,
            ]);
        }
    }
    csv_response("categories.csv", out)
}

/// A ledger's filters, as in its page's URL.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerFilters {
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
}

/// Most entries one ledger export holds.
pub const LEDGER_EXPORT_LIMIT: u64 = 100_000;

/// `GET /admin/customers/{id}/ledger.csv`: a customer's ledger entries (staff), with the
/// page's filters, newest first; amounts exact in the customer's currency.
pub async fn ledger_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Query(f): Query<LedgerFilters>,
) -> Response {
    ledger_export(&state, &me, Some(id), &f).await
}

/// `GET /customer/balance/entries.csv`: the signed-in customer's own ledger entries.
pub async fn my_ledger_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Query(f): Query<LedgerFilters>,
) -> Response {
    ledger_export(&state, &me, None, &f).await
}

async fn ledger_export(
    state: &AppState,
    me: &SignedIn,
    customer_id: Option<i64>,
    f: &LedgerFilters,
) -> Response {
    use services::ledger::{self, EntryFilter};
    let actor = me.actor();
    let Some(customer_id) = customer_id.or(actor.customer_id) else {
        return crate::api::error_response(services::ServiceError::NotFound);
    };
    let filter = match EntryFilter::parse(
        f.kind.as_deref(),
        f.from.as_deref(),
        f.to.as_deref(),
        f.q.as_deref(),
    ) {
        Ok(filter) => filter,
        Err(e) => return crate::api::error_response(e),
    };
    let rows = match ledger::export_entries(
        &state.services.db,
        &actor,
        customer_id,
        &filter,
        LEDGER_EXPORT_LIMIT,
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return crate::api::error_response(e),
    };
    let mut out = vec![
        [
            "id",
            "at",
            "kind",
            "amount",
            "currency",
            "balance_after",
            "description",
            "reference",
            "by",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    out.extend(rows.into_iter().map(|e| {
        let minor = ledger::currency_decimals(&e.currency);
        vec![
            e.id.to_string(),
            e.created_at.to_rfc3339(),
            e.kind,
            domain::ledger::display(e.amount_micros, minor),
            e.currency,
            domain::ledger::display(e.balance_after_micros, minor),
            e.description,
            e.reference,
            // As on the page: a customer sees who posted an entry only as the platform or its
            // provider.
            if actor.role.is_staff() || e.created_by == "system" {
                e.created_by
            } else {
                "your provider".to_owned()
            },
        ]
    }));
    csv_response(&format!("ledger-{customer_id}.csv"), out)
}

/// `GET /{customer|admin}/statements/{id}/statement.pdf`: a statement's PDF, for its customer
/// or staff (another customer's, another tenant's or one not drawn yet is 404).
pub async fn statement_pdf(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Response {
    match services::statements::download(&state.services, &me.actor(), id).await {
        Ok((name, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => crate::api::error_response(e),
    }
}
