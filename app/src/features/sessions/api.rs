use crate::error::AppError;
use leptos::prelude::*;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";

/// Signs in with e-mail and password, then goes to `next` when it is a page of the user's portal,
/// else to the portal's dashboard. The session id is renewed (no session fixation).
///
/// # Errors
/// `Validation` for an empty field, `Unauthorized` for a wrong e-mail or password or a disabled
/// account, `RateLimited` after 10 failures in 15 minutes for the account or the IP.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{fail, origin, services};
    use domain::access::Portal;
    let svc = services()?;
    let tenant = crate::ssr::tenant().await?;
    let user = services::users::authenticate(&svc, tenant.id, &email, &password, &origin().await)
        .await
        .map_err(fail)?;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| fail(AppError::Request(e.to_string())))?;
    let internal = |e: tower_sessions::session::Error| {
        fail(services::ServiceError::Unexpected(anyhow_error(e)))
    };
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(internal)?;
    let portal = services::users::role(&user).portal();
    let target = next
        .filter(|n| {
            n.starts_with('/') && !n.starts_with("//") && Portal::of_path(n) == Some(portal)
        })
        .unwrap_or_else(|| portal.base_path().to_owned());
    leptos_axum::redirect(&target);
    Ok(())
}

#[cfg(feature = "ssr")]
fn anyhow_error(e: impl std::error::Error + Send + Sync + 'static) -> services::error::AnyError {
    services::error::AnyError::new(e)
}

/// Signs out: the session is deleted on the server, then the sign-in page opens.
///
/// # Errors
/// Only if the session store is unreachable.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::fail;
    if let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await {
        session
            .flush()
            .await
            .map_err(|e| fail(services::ServiceError::Unexpected(anyhow_error(e))))?;
    }
    leptos_axum::redirect("/login");
    Ok(())
}
