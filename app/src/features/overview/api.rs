use crate::error::AppError;
use crate::features::users::dto::ActivityRow;
use domain::access::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// The user's name.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// Users per role (staff only; empty otherwise).
    pub users_by_role: Vec<(Role, u64)>,
    /// Recent activity: the tenant's for staff, the user's own otherwise (newest 10).
    pub activity: Vec<ActivityRow>,
    /// Customers of the tenant per status (staff only).
    pub customers_by_status: Vec<(String, u64)>,
    /// The customer account of a customer user.
    pub account: Option<AccountSummary>,
    /// The customer's features as (name, page to open it, if it has one yet).
    pub features: Vec<(String, Option<String>)>,
}

/// A customer's account at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Company name.
    pub company: String,
    /// `prepaid` or `postpaid`.
    pub billing_type: String,
    /// Credit limit with currency, e.g. `100.00 USD`.
    pub credit_limit: String,
    /// Balance with currency, e.g. `250.00 USD`.
    pub balance: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
}

/// The signed-in user's dashboard.
///
/// # Errors
/// `Unauthorized` when not signed in.
#[server(endpoint = "get_overview")]
pub async fn get_overview() -> Result<Overview, AppError> {
    use crate::features::users::api::convert::activity_row;
    use crate::ssr::{fail, services, signed_in};
    use services::audit::{AuditFilter, recent};
    let nf = crate::ssr::number_format();
    let me = signed_in().await?;
    let svc = services()?;
    let staff = me.role.is_staff();
    let users_by_role = if staff {
        services::users::count_by_role(&svc.db, &me.actor())
            .await
            .map_err(fail)?
    } else {
        Vec::new()
    };
    let filter = AuditFilter {
        entity: None,
        actor_user_id: (!staff).then_some(me.user.id),
    };
    let activity = recent(&svc.db, me.tenant.id, &filter, 10)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?;
    let actor = me.actor();
    let customers_by_status = if staff {
        let all = services::customers::export_customers(&svc.db, &actor, &Default::default())
            .await
            .map_err(fail)?;
        services::customers::STATUSES
            .iter()
            .map(|s| {
                (
                    (*s).to_owned(),
                    all.iter().filter(|c| c.status == *s).count() as u64,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let account = match me.user.customer_id {
        Some(id) if me.role == Role::Customer => {
            let balance = services::ledger::balance(&svc.db, &actor, id)
                .await
                .ok()
                .map(|b| {
                    nf.money(
                        b.balance_micros,
                        services::ledger::currency_decimals(&b.currency),
                        &b.currency,
                    )
                })
                .unwrap_or_default();
            services::customers::get_customer(&svc.db, &actor, id)
                .await
                .ok()
                .map(|c| AccountSummary {
                    balance,
                    credit_limit: crate::features::users::api::convert::money(
                        &c.credit_limit,
                        &c.billing_currency,
                    ),
                    company: c.company_name,
                    billing_type: c.billing_type,
                    status: c.status,
                })
        }
        _ => None,
    };
    let features = services::features::features_of_actor(&svc.db, &actor)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|f| {
            let page = crate::nav::SECTIONS
                .iter()
                .flat_map(|s| s.pages.iter())
                .find(|p| p.feature == Some(f) && p.in_menu)
                .map(|p| p.path.to_owned());
            (f.name().to_owned(), page)
        })
        .collect();
    Ok(Overview {
        display_name: me.user.display_name.clone(),
        role: me.role,
        users_by_role,
        activity: activity.into_iter().map(activity_row).collect(),
        customers_by_status,
        account,
        features,
    })
}
