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
    /// Recent activity: the whole platform's for staff, the user's own otherwise (newest 10).
    pub activity: Vec<ActivityRow>,
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
    let activity = recent(&svc.db, &filter, 10)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?;
    Ok(Overview {
        display_name: me.user.display_name.clone(),
        role: me.role,
        users_by_role,
        activity: activity.into_iter().map(activity_row).collect(),
    })
}
