//! Carriers of a tenant (its suppliers of termination) and their SIP trunks: who they are, where
//! the switch sends their calls, and the limits they set (calls per second, channels).
//!
//! Staff (Super Admin portal) and switch operators (Softswitch portal) manage them; every other
//! role is refused. Every write is audited; trunk passwords are recorded as "changed", never with
//! their values.

use crate::audit::{Actor, Changes};
use crate::entities::{carrier_trunks as trunks, carriers};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::users::Page;
use crate::validate::Checks;
use chrono::Utc;
use domain::access::Role;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

/// Carrier statuses: `active` carriers take traffic; `testing` ones only test calls; `disabled`
/// ones none (their decks and history are kept).
pub const STATUSES: [&str; 3] = ["active", "testing", "disabled"];
/// The largest calls-per-second limit accepted.
pub const MAX_CPS: i32 = 10_000;
/// The largest channel limit accepted.
pub const MAX_CHANNELS: i32 = 1_000_000;

mod trunk;

pub use trunk::{
    CODECS, TRANSPORTS, TrunkInput, delete_trunk, list_trunks, save_trunk, sip_uri, valid_host,
};

/// Whether `role` manages carriers: staff and switch operators.
pub fn manages_carriers(role: Role) -> bool {
    role.is_staff() || role == Role::SwitchOperator
}

fn operator(actor: &Actor) -> Result<(), ServiceError> {
    if manages_carriers(actor.role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The carrier form. Empty `status` is `active`; empty limits are 0 (no limit).
#[derive(Debug, Clone, Default)]
pub struct CarrierInput {
    /// Name, unique within the tenant (at most 120 characters).
    pub name: String,
    /// ISO 4217 code of its rate decks and invoices.
    pub currency: String,
    /// One of [`STATUSES`].
    pub status: String,
    /// Digits, `#` or `*` the switch puts before the number on this carrier's trunks (at most 16).
    pub technical_prefix: String,
    /// Calls per second it accepts, 0 to [`MAX_CPS`] (0: no limit).
    pub max_cps: String,
    /// Concurrent calls it accepts, 0 to [`MAX_CHANNELS`] (0: no limit).
    pub max_channels: String,
    /// NOC (technical) contact e-mail.
    pub noc_email: String,
    /// Where rate decks come from and rate notices go.
    pub rates_email: String,
    /// Invoices and disputes.
    pub billing_email: String,
    /// Internal notes (at most 5,000 characters).
    pub notes: String,
}

/// How [`list_carriers`] filters and pages.
#[derive(Debug, Clone, Default)]
pub struct CarrierQuery {
    /// Text in the name, technical prefix or an e-mail (case-insensitive).
    pub search: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1-200).
    pub per_page: u64,
}

/// A carrier with the number of its trunks, as lists show it.
#[derive(Debug, Clone)]
pub struct CarrierSummary {
    /// The stored carrier.
    pub carrier: carriers::Model,
    /// How many trunks it has.
    pub trunks: u64,
    /// How many of them are enabled.
    pub enabled_trunks: u64,
}

struct CheckedCarrier {
    name: String,
    currency: String,
    status: String,
    technical_prefix: String,
    max_cps: i32,
    max_channels: i32,
    noc_email: String,
    rates_email: String,
    billing_email: String,
    notes: String,
}

fn limit(checks: &mut Checks, field: &str, value: &str, max: i32) -> i32 {
    let text = value.trim();
    if text.is_empty() {
        return 0;
    }
    match text.parse::<i64>() {
        Ok(n) if (0..=i64::from(max)).contains(&n) => n as i32,
        Ok(_) => {
            checks.fail(field, format!("must be between 0 (no limit) and {max}"));
            0
        }
        Err(_) => {
            checks.fail(field, format!("`{text}` is not a whole number"));
            0
        }
    }
}

fn check_carrier(input: &CarrierInput) -> Result<CheckedCarrier, ServiceError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, 120, true);
    let currency = checks.currency("currency", &input.currency);
    let status = if input.status.trim().is_empty() {
        "active".to_owned()
    } else {
        checks.one_of("status", &input.status, &STATUSES)
    };
    let technical_prefix = checks.text("technical_prefix", &input.technical_prefix, 16, false);
    if technical_prefix
        .chars()
        .any(|c| !(c.is_ascii_digit() || c == '#' || c == '*'))
    {
        checks.fail(
            "technical_prefix",
            "may contain only digits, # and * (like 1234#)",
        );
    }
    let max_cps = limit(&mut checks, "max_cps", &input.max_cps, MAX_CPS);
    let max_channels = limit(
        &mut checks,
        "max_channels",
        &input.max_channels,
        MAX_CHANNELS,
    );
    let noc_email = checks.email("noc_email", &input.noc_email, false);
    let rates_email = checks.email("rates_email", &input.rates_email, false);
    let billing_email = checks.email("billing_email", &input.billing_email, false);
    let notes = checks.text("notes", &input.notes, 5000, false);
    checks.finish()?;
    Ok(CheckedCarrier {
        name,
        currency,
        status,
        technical_prefix,
        max_cps,
        max_channels,
        noc_email,
        rates_email,
        billing_email,
        notes,
    })
}

fn carrier_changes(before: Option<&carriers::Model>, c: &CheckedCarrier) -> Changes {
    let b =
        |f: fn(&carriers::Model) -> serde_json::Value| before.map_or(serde_json::Value::Null, f);
    Changes::new()
        .field("name", b(|m| m.name.clone().into()), c.name.clone())
        .field(
            "currency",
            b(|m| m.currency.clone().into()),
            c.currency.clone(),
        )
        .field("status", b(|m| m.status.clone().into()), c.status.clone())
        .field(
            "technical_prefix",
            b(|m| m.technical_prefix.clone().into()),
            c.technical_prefix.clone(),
        )
        .field("max_cps", b(|m| m.max_cps.into()), c.max_cps)
        .field("max_channels", b(|m| m.max_channels.into()), c.max_channels)
        .field(
            "noc_email",
            b(|m| m.noc_email.clone().into()),
            c.noc_email.clone(),
        )
        .field(
            "rates_email",
            b(|m| m.rates_email.clone().into()),
            c.rates_email.clone(),
        )
        .field(
            "billing_email",
            b(|m| m.billing_email.clone().into()),
            c.billing_email.clone(),
        )
        .field("notes", b(|m| m.notes.clone().into()), c.notes.clone())
}

fn apply_carrier(model: &mut carriers::ActiveModel, c: CheckedCarrier) {
    model.name = Set(c.name);
    model.currency = Set(c.currency);
    model.status = Set(c.status);
    model.technical_prefix = Set(c.technical_prefix);
    model.max_cps = Set(c.max_cps);
    model.max_channels = Set(c.max_channels);
    model.noc_email = Set(c.noc_email);
    model.rates_email = Set(c.rates_email);
    model.billing_email = Set(c.billing_email);
    model.notes = Set(c.notes);
    model.updated_at = Set(Utc::now());
}

/// Creates a carrier in the actor's tenant.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{name}`, `Forbidden` unless staff or switch
/// operator.
pub async fn create_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CarrierInput,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    let c = check_carrier(&input)?;
    let audit = carrier_changes(None, &c);
    let mut model = carriers::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply_carrier(&mut model, c);
    let txn = db.begin().await?;
    let row = model.insert(&txn).await.map_err(conflict_on("name"))?;
    actor
        .audit(&txn, "create", "carrier", row.id, audit)
        .await?;
    crate::routes::changed(&txn, actor.tenant_id).await?;
    txn.commit().await?;
    Ok(row)
}

/// Updates a carrier; the audit entry holds the changed fields only.
///
/// # Errors
/// `Validation`, `Conflict{name}`, `NotFound` (another tenant's id too), `Forbidden`.
pub async fn update_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: CarrierInput,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    let before = find_scoped::<carriers::Entity>(db, actor, id).await?;
    let c = check_carrier(&input)?;
    let audit = carrier_changes(Some(&before), &c);
    let mut model = before.into_active_model();
    apply_carrier(&mut model, c);
    let txn = db.begin().await?;
    let row = model.update(&txn).await.map_err(conflict_on("name"))?;
    actor.audit(&txn, "update", "carrier", id, audit).await?;
    crate::routes::changed(&txn, actor.tenant_id).await?;
    txn.commit().await?;
    Ok(row)
}

/// One carrier of the actor's tenant.
///
/// # Errors
/// `NotFound` (another tenant's id too), `Forbidden`.
pub async fn get_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    find_scoped::<carriers::Entity>(db, actor, id).await
}

/// The carrier whose decks a request is about: a `carrier` user's own, whatever the request
/// named (0, which matches no carrier, when it has none); `asked` for every other role. The
/// Carrier portal's pages and routes send no carrier id, so they pass 0.
pub fn requested_carrier(actor: &Actor, asked: i64) -> i64 {
    if actor.role == Role::Carrier {
        actor.carrier_id.unwrap_or(0)
    } else {
        asked
    }
}

/// Carrier `id` as the owner of rate decks: any carrier of the tenant for those who manage
/// carriers ([`manages_carriers`]); for a `carrier` user only its own carrier, whose decks it
/// sees, uploads, imports and exports in the Carrier portal (activation stays with the operator).
///
/// # Errors
/// `NotFound` (another tenant's carrier, or another carrier than a carrier user's own);
/// `Forbidden` for other roles.
pub async fn deck_owner(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<carriers::Model, ServiceError> {
    if actor.role == Role::Carrier {
        if actor.carrier_id != Some(id) {
            return Err(ServiceError::NotFound);
        }
        return find_scoped::<carriers::Entity>(db, actor, id).await;
    }
    get_carrier(db, actor, id).await
}

/// The portal users (role `carrier`) of carrier `id`, by e-mail.
///
/// # Errors
/// `NotFound` (another tenant's carrier too), `Forbidden`.
pub async fn carrier_users(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<Vec<crate::entities::users::Model>, ServiceError> {
    use crate::entities::users;
    get_carrier(db, actor, id).await?;
    Ok(scoped::<users::Entity>(actor)
        .filter(users::Column::CarrierId.eq(id))
        .order_by_asc(users::Column::Email)
        .all(db)
        .await?)
}

/// One page of the tenant's carriers matching `q`, by name, with their trunk counts.
///
/// # Errors
/// `Forbidden`; `Validation{status}` for an unknown status.
pub async fn list_carriers(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &CarrierQuery,
) -> Result<Page<CarrierSummary>, ServiceError> {
    operator(actor)?;
    let mut select = scoped::<carriers::Entity>(actor);
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        let lower = |col: carriers::Column| Expr::expr(Func::lower(Expr::col(col)));
        select = select.filter(
            Condition::any()
                .add(lower(carriers::Column::Name).like(pattern.clone()))
                .add(carriers::Column::TechnicalPrefix.like(pattern.clone()))
                .add(carriers::Column::NocEmail.like(pattern.clone()))
                .add(carriers::Column::RatesEmail.like(pattern)),
        );
    }
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if !STATUSES.contains(&status) {
            return Err(ServiceError::field(
                "status",
                "must be active, testing or disabled",
            ));
        }
        select = select.filter(carriers::Column::Status.eq(status));
    }
    let per_page = q.per_page.clamp(1, 200);
    let page = q.page.clamp(1, 1_000_000);
    let paginator = select
        .order_by_asc(carriers::Column::Name)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    let counts = trunk_counts(db, actor, rows.iter().map(|c| c.id).collect()).await?;
    let items = rows
        .into_iter()
        .map(|carrier| {
            let (trunks, enabled_trunks) = counts.get(&carrier.id).copied().unwrap_or((0, 0));
            CarrierSummary {
                carrier,
                trunks,
                enabled_trunks,
            }
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// (trunks, enabled trunks) per carrier id, in one query.
async fn trunk_counts(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: Vec<i64>,
) -> Result<HashMap<i64, (u64, u64)>, ServiceError> {
    let rows: Vec<(i64, bool, i64)> = scoped::<trunks::Entity>(actor)
        .select_only()
        .column(trunks::Column::CarrierId)
        .column(trunks::Column::Enabled)
        .column_as(trunks::Column::Id.count(), "n")
        .filter(trunks::Column::CarrierId.is_in(ids))
        .group_by(trunks::Column::CarrierId)
        .group_by(trunks::Column::Enabled)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i64, (u64, u64)> = HashMap::new();
    for (carrier, enabled, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let entry = counts.entry(carrier).or_default();
        entry.0 += n;
        if enabled {
            entry.1 += n;
        }
    }
    Ok(counts)
}
