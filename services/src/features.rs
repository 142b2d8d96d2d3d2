//! Feature assignment: which customers may use which [`Feature`]. One guard,
//! [`require_feature`], is called by every feature's pages, server functions and API endpoints;
//! it refuses an unassigned feature with `Forbidden` and audits the refusal.

use crate::audit::{Actor, Changes};
use crate::entities::{customer_categories, customer_groups, customers, feature_assignments};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use chrono::Utc;
use domain::access::Role;
use domain::features::{Audience, CustomerPlacement, Feature, features_of};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, ModelTrait,
    QueryOrder, TransactionTrait,
};

/// One stored assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The row id (to remove it).
    pub id: i64,
    /// The feature.
    pub feature: Feature,
    /// Who gets it.
    pub audience: Audience,
}

/// The tenant's assignments, by feature then audience (rows with unknown keys are skipped).
///
/// # Errors
/// Database errors.
pub async fn assignments(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<Vec<Assignment>, ServiceError> {
    Ok(
        crate::tenancy::in_tenant::<feature_assignments::Entity>(tenant_id)
            .order_by_asc(feature_assignments::Column::Feature)
            .order_by_asc(feature_assignments::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|row| {
                Some(Assignment {
                    id: row.id,
                    feature: row.feature.parse().ok()?,
                    audience: Audience::from_stored(&row.scope, row.target_id)?,
                })
            })
            .collect(),
    )
}

/// The features a user has: a customer user those assigned to its customer while the customer
/// is active (none when suspended or closed); staff and other roles none (they do not use the
/// customer portal).
///
/// # Errors
/// Database errors.
pub async fn features_of_actor(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<Feature>, ServiceError> {
    let (Role::Customer, Some(customer_id)) = (actor.role, actor.customer_id) else {
        return Ok(Vec::new());
    };
    let Some(customer) = crate::tenancy::in_tenant::<customers::Entity>(actor.tenant_id)
        .filter(sea_orm::ColumnTrait::eq(
            &customers::Column::Id,
            customer_id,
        ))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    // A suspended or closed customer uses nothing until it is active again.
    if customer.status != "active" {
        return Ok(Vec::new());
    }
    let placement = CustomerPlacement {
        customer_id,
        category_id: customer.category_id,
        group_id: customer.group_id,
    };
    let pairs: Vec<(Feature, Audience)> = assignments(db, actor.tenant_id)
        .await?
        .into_iter()
        .map(|a| (a.feature, a.audience))
        .collect();
    Ok(features_of(&pairs, &placement))
}

use sea_orm::QueryFilter as _;

/// The guard of every customer feature: `Ok` when the actor's customer has `feature`, else
/// `Forbidden`, recorded in the audit log as `feature_refused`.
///
/// # Errors
/// `Forbidden`; database errors.
pub async fn require_feature(
    db: &DatabaseConnection,
    actor: &Actor,
    feature: Feature,
) -> Result<(), ServiceError> {
    if features_of_actor(db, actor).await?.contains(&feature) {
        return Ok(());
    }
    actor
        .audit(
            db,
            "feature_refused",
            "feature",
            feature.key(),
            Changes::new(),
        )
        .await?;
    Err(ServiceError::Forbidden)
}

/// Gives `feature` to `audience` (staff). Assigning it twice is a `Conflict{audience}`.
///
/// # Errors
/// `Validation{audience}` when the category, group or customer is not in this tenant,
/// `Conflict{audience}`, `Forbidden`.
pub async fn assign(
    db: &DatabaseConnection,
    actor: &Actor,
    feature: Feature,
    audience: Audience,
) -> Result<Assignment, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let id = audience.target_id();
    let exists = match audience {
        Audience::All => true,
        Audience::Category(_) => find_scoped::<customer_categories::Entity>(db, actor, id)
            .await
            .is_ok(),
        Audience::Group(_) => find_scoped::<customer_groups::Entity>(db, actor, id)
            .await
            .is_ok(),
        Audience::Customer(_) => find_scoped::<customers::Entity>(db, actor, id)
            .await
            .is_ok(),
    };
    if !exists {
        return Err(ServiceError::field(
            "audience",
            &format!("no {} with id {id} in this tenant", audience.scope()),
        ));
    }
    let txn = db.begin().await?;
    let row = feature_assignments::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        feature: Set(feature.key().to_owned()),
        scope: Set(audience.scope().to_owned()),
        target_id: Set(id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(conflict_on("audience"))?;
    actor
        .audit(
            &txn,
            "assign",
            "feature",
            feature.key(),
            Changes::new().field(
                "audience",
                None::<String>,
                format!("{} {id}", audience.scope()),
            ),
        )
        .await?;
    txn.commit().await?;
    Ok(Assignment {
        id: row.id,
        feature,
        audience,
    })
}

/// Removes assignment `id` (staff).
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn unassign(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let row = find_scoped::<feature_assignments::Entity>(db, actor, id).await?;
    let txn = db.begin().await?;
    let (feature, audience) = (
        row.feature.clone(),
        format!("{} {}", row.scope, row.target_id),
    );
    row.delete(&txn).await?;
    actor
        .audit(
            &txn,
            "unassign",
            "feature",
            feature,
            Changes::new().field("audience", audience, None::<String>),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Assignments with readable audience names (`Category Wholesale`), for the admin page.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn describe_assignments(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(Assignment, String)>, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let cats = scoped::<customer_categories::Entity>(actor).all(db).await?;
    let groups = scoped::<customer_groups::Entity>(actor).all(db).await?;
    let custs = scoped::<customers::Entity>(actor).all(db).await?;
    Ok(assignments(db, actor.tenant_id)
        .await?
        .into_iter()
        .map(|a| {
            let name = match a.audience {
                Audience::All => "All customers".to_owned(),
                Audience::Category(id) => format!(
                    "Category {}",
                    cats.iter()
                        .find(|c| c.id == id)
                        .map_or("?", |c| c.name.as_str())
                ),
                Audience::Group(id) => format!(
                    "Group {}",
                    groups
                        .iter()
                        .find(|g| g.id == id)
                        .map_or("?", |g| g.name.as_str())
                ),
                Audience::Customer(id) => format!(
                    "Customer {}",
                    custs
                        .iter()
                        .find(|c| c.id == id)
                        .map_or("?", |c| c.company_name.as_str())
                ),
            };
            (a, name)
        })
        .collect())
}
