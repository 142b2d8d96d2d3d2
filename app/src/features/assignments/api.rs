use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One assignment as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRow {
    /// Id (to remove it).
    pub id: i64,
    /// Feature key.
    pub feature: String,
    /// Feature name.
    pub feature_name: String,
    /// Who gets it, e.g. `Category Wholesale`.
    pub audience: String,
}

/// The page's data: assignments and the audiences to choose from as (`scope:id`, label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentData {
    /// Current assignments, by feature.
    pub rows: Vec<AssignmentRow>,
    /// Choices for the audience select, e.g. (`category:3`, `Category: Wholesale`).
    pub audiences: Vec<(String, String)>,
}

/// The tenant's feature assignments and the audiences to choose from.
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "list_assignments")]
pub async fn list_assignments() -> Result<AssignmentData, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let rows = services::features::describe_assignments(&svc.db, &actor)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(a, audience)| AssignmentRow {
            id: a.id,
            feature: a.feature.key().to_owned(),
            feature_name: a.feature.name().to_owned(),
            audience,
        })
        .collect();
    let mut audiences = vec![("all:0".to_owned(), "All customers".to_owned())];
    let tree = services::categories::list_categories(&svc.db, &actor)
        .await
        .map_err(fail)?;
    for c in &tree {
        audiences.push((
            format!("category:{}", c.category.id),
            format!("Category: {}", c.category.name),
        ));
        for (g, _) in &c.groups {
            audiences.push((
                format!("group:{}", g.id),
                format!("Group: {} › {}", c.category.name, g.name),
            ));
        }
    }
    let customers = services::customers::export_customers(&svc.db, &actor, &Default::default())
        .await
        .map_err(fail)?;
    audiences.extend(customers.into_iter().map(|c| {
        (
            format!("customer:{}", c.id),
            format!("Customer: {}", c.company_name),
        )
    }));
    Ok(AssignmentData { rows, audiences })
}

/// Assigns `feature` (a key) to `audience` (`all:0`, `category:ID`, `group:ID`, `customer:ID`).
///
/// # Errors
/// `Validation{feature|audience}`, `Conflict{audience}` when already assigned, `Forbidden`.
#[server(endpoint = "assign_feature")]
pub async fn assign_feature(feature: String, audience: String) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::features::{Audience, Feature};
    use services::ServiceError;
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let feature: Feature = feature
        .parse()
        .map_err(|e: domain::features::UnknownFeature| {
            fail(ServiceError::field("feature", &e.to_string()))
        })?;
    let audience = audience
        .split_once(':')
        .and_then(|(scope, id)| Audience::from_stored(scope, id.parse().ok()?))
        .ok_or_else(|| {
            fail(ServiceError::field(
                "audience",
                "must be chosen from the list",
            ))
        })?;
    let a = services::features::assign(&svc.db, &me.actor(), feature, audience)
        .await
        .map_err(fail)?;
    Ok(a.id)
}

/// Removes assignment `id`.
///
/// # Errors
/// `NotFound`, `Forbidden`.
#[server(endpoint = "unassign_feature")]
pub async fn unassign_feature(id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::features::unassign(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)
}
