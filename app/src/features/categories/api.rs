use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A category with its groups and customer counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryItem {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Customers in the category.
    pub customers: u64,
    /// (id, name, customers) of its groups.
    pub groups: Vec<(i64, String, u64)>,
}

/// The tenant's categories and groups.
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "list_categories")]
pub async fn list_categories() -> Result<Vec<CategoryItem>, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    Ok(services::categories::list_categories(&svc.db, &me.actor())
        .await
        .map_err(fail)?
        .into_iter()
        .map(|t| CategoryItem {
            id: t.category.id,
            name: t.category.name,
            description: t.category.description,
            customers: t.customers,
            groups: t
                .groups
                .into_iter()
                .map(|(g, n)| (g.id, g.name, n))
                .collect(),
        })
        .collect())
}

/// Creates a category.
///
/// # Errors
/// `Validation{name|description}`, `Conflict{name}`, `Forbidden`.
#[server(endpoint = "create_category")]
pub async fn create_category(name: String, description: String) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let row = services::categories::create_category(&svc.db, &me.actor(), &name, &description)
        .await
        .map_err(fail)?;
    Ok(row.id)
}

/// Deletes an empty category.
///
/// # Errors
/// `Validation{category}` while it has groups or customers, `NotFound`, `Forbidden`.
#[server(endpoint = "delete_category")]
pub async fn delete_category(id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::categories::delete_category(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)
}

/// Creates a group in category `category_id`.
///
/// # Errors
/// `Validation{category_id|name}`, `Conflict{name}`, `Forbidden`.
#[server(endpoint = "create_group")]
pub async fn create_group(
    category_id: i64,
    name: String,
    description: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let row =
        services::categories::create_group(&svc.db, &me.actor(), category_id, &name, &description)
            .await
            .map_err(fail)?;
    Ok(row.id)
}

/// Deletes a group without customers.
///
/// # Errors
/// `Validation{group}` while customers are in it, `NotFound`, `Forbidden`.
#[server(endpoint = "delete_group")]
pub async fn delete_group(id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::categories::delete_group(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)
}

/// Renames or re-describes category `id`.
///
/// # Errors
/// `Validation{name|description}`, `Conflict{name}`, `NotFound`, `Forbidden`.
#[server(endpoint = "update_category")]
pub async fn update_category(id: i64, name: String, description: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::categories::update_category(&svc.db, &me.actor(), id, &name, &description)
        .await
        .map_err(fail)?;
    Ok(())
}
