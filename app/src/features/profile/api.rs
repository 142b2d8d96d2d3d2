use crate::error::AppError;
use leptos::prelude::*;

/// Changes the signed-in user's password.
///
/// # Errors
/// `Validation{current_password}` when it is wrong; `Validation{new_password}` by the policy;
/// `Validation{confirm_password}` when the two new entries differ.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    if new_password != confirm_password {
        return Err(fail(services::ServiceError::field(
            "confirm_password",
            "does not match the new password",
        )));
    }
    let svc = services()?;
    services::users::change_own_password(&svc.db, &me.actor(), &current_password, &new_password)
        .await
        .map_err(fail)
}
