//! Customer categories (e.g. Wholesale, Retail, Enterprise, Softswitch rental) and the groups
//! within them. Features are assigned to them ([`crate::features`]) and sell-rate markups will be.

use crate::audit::{Actor, Changes};
use crate::entities::{customer_categories as categories, customer_groups as groups, customers};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::validate::Checks;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, IntoActiveModel,
    ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

/// A category with its groups and how many customers each has.
#[derive(Debug, Clone)]
pub struct CategoryTree {
    /// The category.
    pub category: categories::Model,
    /// Customers directly in the category (any group).
    pub customers: u64,
    /// Its groups with their customer counts, by name.
    pub groups: Vec<(groups::Model, u64)>,
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Every category of the tenant with its groups and customer counts, by name.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_categories(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<CategoryTree>, ServiceError> {
    staff(actor)?;
    let cats = scoped::<categories::Entity>(actor)
        .order_by_asc(categories::Column::Name)
        .all(db)
        .await?;
    let all_groups = scoped::<groups::Entity>(actor)
        .order_by_asc(groups::Column::Name)
        .all(db)
        .await?;
    let all_customers = scoped::<customers::Entity>(actor).all(db).await?;
    let count = |f: &dyn Fn(&customers::Model) -> bool| {
        all_customers.iter().filter(|c| f(c)).count() as u64
    };
    Ok(cats
        .into_iter()
        .map(|category| CategoryTree {
            customers: count(&|c| c.category_id == Some(category.id)),
            groups: all_groups
                .iter()
                .filter(|g| g.category_id == category.id)
                .map(|g| (g.clone(), count(&|c| c.group_id == Some(g.id))))
                .collect(),
            category,
        })
        .collect())
}

/// Creates a category.
///
/// # Errors
/// `Validation{name|description}`, `Conflict{name}`, `Forbidden`.
pub async fn create_category(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<categories::Model, ServiceError> {
    staff(actor)?;
    let mut checks = Checks::new();
    let name = checks.text("name", name, 80, true);
    let description = checks.text("description", description, 2000, false);
    checks.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = categories::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        name: Set(name.clone()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(conflict_on("name"))?;
    actor
        .audit(
            &txn,
            "create",
            "customer_category",
            row.id,
            Changes::new().field("name", None::<String>, name),
        )
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Renames or re-describes a category.
///
/// # Errors
/// `Validation`, `Conflict{name}`, `NotFound`, `Forbidden`.
pub async fn update_category(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    name: &str,
    description: &str,
) -> Result<categories::Model, ServiceError> {
    staff(actor)?;
    let before = find_scoped::<categories::Entity>(db, actor, id).await?;
    let mut checks = Checks::new();
    let name = checks.text("name", name, 80, true);
    let description = checks.text("description", description, 2000, false);
    checks.finish()?;
    let txn = db.begin().await?;
    let mut model = before.clone().into_active_model();
    model.name = Set(name.clone());
    model.description = Set(description.clone());
    model.updated_at = Set(Utc::now());
    let row = model.update(&txn).await.map_err(conflict_on("name"))?;
    actor
        .audit(
            &txn,
            "update",
            "customer_category",
            id,
            Changes::new().field("name", before.name, name).field(
                "description",
                before.description,
                description,
            ),
        )
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes an empty category.
///
/// # Errors
/// `Validation{category}` while it has groups or customers, `NotFound`, `Forbidden`.
pub async fn delete_category(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<(), ServiceError> {
    staff(actor)?;
    let row = find_scoped::<categories::Entity>(db, actor, id).await?;
    let groups_left = scoped::<groups::Entity>(actor)
        .filter(groups::Column::CategoryId.eq(id))
        .count(db)
        .await?;
    let customers_left = scoped::<customers::Entity>(actor)
        .filter(customers::Column::CategoryId.eq(id))
        .count(db)
        .await?;
    if groups_left + customers_left > 0 {
        return Err(ServiceError::field(
            "category",
            &format!(
                "still has {groups_left} group(s) and {customers_left} customer(s): move or delete them first"
            ),
        ));
    }
    let txn = db.begin().await?;
    let name = row.name.clone();
    row.delete(&txn).await?;
    actor
        .audit(
            &txn,
            "delete",
            "customer_category",
            id,
            Changes::new().field("name", name, None::<String>),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a group within category `category_id`.
///
/// # Errors
/// `Validation{category_id|name|description}`, `Conflict{name}` within the category, `Forbidden`.
pub async fn create_group(
    db: &DatabaseConnection,
    actor: &Actor,
    category_id: i64,
    name: &str,
    description: &str,
) -> Result<groups::Model, ServiceError> {
    staff(actor)?;
    let mut checks = Checks::new();
    let name = checks.text("name", name, 80, true);
    let description = checks.text("description", description, 2000, false);
    let category = find_scoped::<categories::Entity>(db, actor, category_id)
        .await
        .ok();
    if category.is_none() {
        checks.fail("category_id", "is not a category of this tenant");
    }
    checks.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = groups::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        category_id: Set(category_id),
        name: Set(name.clone()),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(conflict_on("name"))?;
    actor
        .audit(
            &txn,
            "create",
            "customer_group",
            row.id,
            Changes::new().field("name", None::<String>, name).field(
                "category_id",
                None::<i64>,
                category_id,
            ),
        )
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes a group without customers.
///
/// # Errors
/// `Validation{group}` while customers are in it, `NotFound`, `Forbidden`.
pub async fn delete_group(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<(), ServiceError> {
    staff(actor)?;
    let row = find_scoped::<groups::Entity>(db, actor, id).await?;
    let left = scoped::<customers::Entity>(actor)
        .filter(customers::Column::GroupId.eq(id))
        .count(db)
        .await?;
    if left > 0 {
        return Err(ServiceError::field(
            "group",
            &format!("still has {left} customer(s): move them to another group first"),
        ));
    }
    let txn = db.begin().await?;
    let name = row.name.clone();
    row.delete(&txn).await?;
    actor
        .audit(
            &txn,
            "delete",
            "customer_group",
            id,
            Changes::new().field("name", name, None::<String>),
        )
        .await?;
    txn.commit().await?;
    Ok(())
}
