//! Tenant scoping in one place: every table that belongs to a tenant implements [`TenantOwned`],
//! and use cases read it only through [`scoped`] and [`find_scoped`], so a user of tenant A never
//! sees tenant B's rows (asking for one by id answers `NotFound`, as if it did not exist).

use crate::audit::Actor;
use crate::entities::{
    api_keys, audit_log, carrier_trunks, carriers, cdr_files, customer_categories, customer_groups,
    customers, feature_assignments, ledger_entries, payments, promo_codes, rate_decks,
    rate_notices, routing_tiers, sell_cards, statements, users,
};
use crate::error::ServiceError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// A table whose rows belong to one tenant.
pub trait TenantOwned: EntityTrait {
    /// The `tenant_id` column.
    fn tenant_column() -> Self::Column;
    /// The `id` column.
    fn id_column() -> Self::Column;
}

macro_rules! tenant_owned {
    ($($module:ident),* $(,)?) => {$(
        impl TenantOwned for $module::Entity {
            fn tenant_column() -> Self::Column {
                $module::Column::TenantId
            }
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
        }
    )*};
}

tenant_owned!(
    users,
    audit_log,
    customers,
    customer_categories,
    customer_groups,
    feature_assignments,
    api_keys,
    carriers,
    carrier_trunks,
    rate_decks,
    routing_tiers,
    sell_cards,
    rate_notices,
    ledger_entries,
    cdr_files,
    payments,
    promo_codes,
    statements,
);

/// `SELECT` of `E` limited to the actor's tenant.
pub fn scoped<E: TenantOwned>(actor: &Actor) -> Select<E> {
    in_tenant::<E>(actor.tenant_id)
}

/// `SELECT` of `E` limited to `tenant_id`.
pub fn in_tenant<E: TenantOwned>(tenant_id: i64) -> Select<E> {
    E::find().filter(E::tenant_column().eq(tenant_id))
}

/// The row of `E` with `id` in the actor's tenant.
///
/// # Errors
/// `NotFound` when there is no such row in this tenant (another tenant's row included).
pub async fn find_scoped<E: TenantOwned>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<E::Model, ServiceError> {
    scoped::<E>(actor)
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}
