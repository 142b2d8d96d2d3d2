use super::dto::{CategoryOption, CustomerDetail, CustomerForm, CustomerPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod convert {
    use super::super::dto::{CategoryOption, CustomerForm, CustomerRow};
    use crate::features::users::api::convert::{money, time};
    use services::categories::CategoryTree;
    use services::entities::customers;

    pub fn options(tree: &[CategoryTree]) -> Vec<CategoryOption> {
        tree.iter()
            .map(|c| CategoryOption {
                id: c.category.id,
                name: c.category.name.clone(),
                groups: c
                    .groups
                    .iter()
                    .map(|(g, _)| (g.id, g.name.clone()))
                    .collect(),
            })
            .collect()
    }

    pub fn names(
        tree: &[CategoryOption],
        c: &customers::Model,
    ) -> (Option<String>, Option<String>) {
        let cat = c
            .category_id
            .and_then(|id| tree.iter().find(|o| o.id == id));
        let group = c.group_id.and_then(|id| {
            tree.iter()
                .flat_map(|o| &o.groups)
                .find(|(gid, _)| *gid == id)
                .map(|(_, n)| n.clone())
        });
        (cat.map(|o| o.name.clone()), group)
    }

    pub fn row(tree: &[CategoryOption], c: customers::Model) -> CustomerRow {
        let (category, group) = names(tree, &c);
        let credit_limit = money(&c.credit_limit, &c.billing_currency);
        CustomerRow {
            id: c.id,
            company_name: c.company_name,
            contact_name: c.contact_name,
            contact_email: c.contact_email,
            billing_currency: c.billing_currency,
            billing_type: c.billing_type,
            credit_limit,
            status: c.status,
            category,
            group,
            created_at: time(c.created_at),
        }
    }

    pub fn form(c: &customers::Model) -> CustomerForm {
        CustomerForm {
            company_name: c.company_name.clone(),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.clone(),
            contact_phone: c.contact_phone.clone(),
            billing_email: c.billing_email.clone(),
            billing_currency: c.billing_currency.clone(),
            billing_type: c.billing_type.clone(),
            credit_limit: c.credit_limit.clone(),
            status: c.status.clone(),
            category_id: c.category_id,
            group_id: c.group_id,
            notes: c.notes.clone(),
        }
    }
}

/// Parses an optional id from a form value (empty means none).
#[cfg(feature = "ssr")]
pub(crate) fn optional_id(field: &str, value: &str) -> Result<Option<i64>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse::<i64>().map(Some).map_err(|_| {
        crate::ssr::fail(services::ServiceError::field(
            field,
            "must be chosen from the list",
        ))
    })
}

/// The tenant's categories and their groups, for filters and forms.
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "list_category_options")]
pub async fn list_category_options() -> Result<Vec<CategoryOption>, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let tree = services::categories::list_categories(&svc.db, &me.actor())
        .await
        .map_err(fail)?;
    Ok(convert::options(&tree))
}

/// Customers matching `q` (company, contact name or e-mail), `status`, `category` and `group`
/// ids, sorted by `sort` (`company`, `newest`, `status`), 25 per page.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation{sort|category|group}` for unknown values.
#[server(endpoint = "list_customers")]
pub async fn list_customers(
    q: Option<String>,
    status: Option<String>,
    category: Option<String>,
    group: Option<String>,
    sort: Option<String>,
    page: Option<u64>,
) -> Result<CustomerPage, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::customers::{CustomerQuery, CustomerSort};
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let sort = match sort.as_deref().unwrap_or("") {
        "" | "company" => CustomerSort::Company,
        "newest" => CustomerSort::Newest,
        "status" => CustomerSort::Status,
        _ => {
            return Err(fail(services::ServiceError::field(
                "sort",
                "must be company, newest or status",
            )));
        }
    };
    let query = CustomerQuery {
        search: q,
        status: status.filter(|s| !s.is_empty()),
        category_id: optional_id("category", category.as_deref().unwrap_or(""))?,
        group_id: optional_id("group", group.as_deref().unwrap_or(""))?,
        sort,
        page: page.unwrap_or(1),
        per_page: 25,
    };
    let found = services::customers::list_customers(&svc.db, &actor, &query)
        .await
        .map_err(fail)?;
    let tree = services::categories::list_categories(&svc.db, &actor)
        .await
        .map_err(fail)?;
    let options = convert::options(&tree);
    Ok(CustomerPage {
        rows: found
            .items
            .into_iter()
            .map(|c| convert::row(&options, c))
            .collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

/// One customer with its users, features and activity.
///
/// # Errors
/// `NotFound` (another tenant's customer too), `Forbidden` for non-staff.
#[server(endpoint = "get_customer")]
pub async fn get_customer(id: i64) -> Result<CustomerDetail, AppError> {
    use crate::features::users::api::convert::{activity_row, user_row};
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::audit::{AuditFilter, recent};
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let db = &svc.db;
    let customer = services::customers::get_customer(db, &actor, id)
        .await
        .map_err(fail)?;
    let users = services::customers::customer_users(db, &actor, id)
        .await
        .map_err(fail)?;
    let tree = services::categories::list_categories(db, &actor)
        .await
        .map_err(fail)?;
    let categories = convert::options(&tree);
    let placement = match convert::names(&categories, &customer) {
        (Some(c), Some(g)) => format!("{c} / {g}"),
        (Some(c), None) => c,
        _ => "No category".to_owned(),
    };
    // The features of this customer, as its users would have them.
    let as_customer = services::audit::Actor {
        role: domain::access::Role::Customer,
        customer_id: Some(id),
        carrier_id: None,
        ..actor.clone()
    };
    let features = services::features::features_of_actor(db, &as_customer)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|f| f.name().to_owned())
        .collect();
    let about = AuditFilter {
        entity: Some(("customer".into(), id.to_string())),
        actor_user_id: None,
    };
    let activity = recent(db, actor.tenant_id, &about, 50)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?
        .into_iter()
        .map(activity_row)
        .collect();
    Ok(CustomerDetail {
        id,
        form: convert::form(&customer),
        placement,
        users: users.into_iter().map(user_row).collect(),
        features,
        activity,
        categories,
    })
}

/// Creates (`id` empty) or updates a customer, then opens its page.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{company_name}`, `NotFound`, `Forbidden`.
#[server(endpoint = "save_customer")]
#[allow(clippy::too_many_arguments)]
pub async fn save_customer(
    id: String,
    company_name: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    billing_email: String,
    billing_currency: String,
    billing_type: String,
    credit_limit: String,
    status: String,
    category_id: String,
    group_id: String,
    notes: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let input = services::customers::CustomerInput {
        company_name,
        contact_name,
        contact_email,
        contact_phone,
        billing_email,
        billing_currency,
        billing_type,
        credit_limit,
        status,
        category_id: optional_id("category_id", &category_id)?,
        group_id: optional_id("group_id", &group_id)?,
        notes,
    };
    let saved = match optional_id("id", &id)? {
        None => services::customers::create_customer(&svc.db, &me.actor(), input).await,
        Some(id) => services::customers::update_customer(&svc.db, &me.actor(), id, input).await,
    }
    .map_err(fail)?;
    leptos_axum::redirect(&format!("/admin/customers/{}?saved=1", saved.id));
    Ok(saved.id)
}

/// The form of a new customer: defaults from the tenant (currency), and the category choices.
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "new_customer_form")]
pub async fn new_customer_form() -> Result<(CustomerForm, Vec<CategoryOption>), AppError> {
    use crate::ssr::{fail, services, signed_in_to, tenant};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let tenant = tenant().await?;
    let tree = services::categories::list_categories(&svc.db, &me.actor())
        .await
        .map_err(fail)?;
    Ok((
        CustomerForm {
            billing_currency: tenant.default_currency,
            billing_type: "prepaid".to_owned(),
            credit_limit: "0".to_owned(),
            status: "active".to_owned(),
            ..Default::default()
        },
        convert::options(&tree),
    ))
}
