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
    start_session(user.id).await?;
    let portal = services::users::role(&user).portal();
    let target = next
        .filter(|n| {
            n.starts_with('/') && !n.starts_with("//") && Portal::of_path(n) == Some(portal)
        })
        .unwrap_or_else(|| portal.base_path().to_owned());
    leptos_axum::redirect(&target);
    Ok(())
}

/// Signs `user_id` in on this request's session, under a new session id (no session
/// fixation).
#[cfg(feature = "ssr")]
async fn start_session(user_id: i64) -> Result<(), AppError> {
    use crate::ssr::fail;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| fail(AppError::Request(e.to_string())))?;
    let internal = |e: tower_sessions::session::Error| {
        fail(services::ServiceError::Unexpected(anyhow_error(e)))
    };
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_ID_KEY, user_id).await.map_err(internal)
}

/// Signs a new company up (see `services::signup`) with its first user, signs that user in,
/// and opens the Customer portal's Top up page: a prepaid account tops up before it calls.
///
/// # Errors
/// `Validation` naming each bad field (an unknown or own `referral_code` included);
/// `Conflict{company_name}` or `Conflict{email}`; `RateLimited` after 10 sign-ups from one
/// address in 15 minutes.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    company_name: String,
    display_name: String,
    email: String,
    password: String,
    billing_currency: String,
    referral_code: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{fail, origin, services};
    let svc = services()?;
    let tenant = crate::ssr::tenant().await?;
    let user = services::signup::sign_up(
        &svc,
        tenant.id,
        services::signup::SignUpInput {
            company_name,
            display_name,
            email,
            password,
            billing_currency,
            referral_code: referral_code.unwrap_or_default(),
        },
        &origin().await,
    )
    .await
    .map_err(fail)?;
    start_session(user.id).await?;
    leptos_axum::redirect("/customer/top-up?welcome=1");
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
