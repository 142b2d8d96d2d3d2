//! The tenant's brand assets: its logo, served on its own domains, and the logo upload form's
//! target (a plain multipart form post, so it works without JavaScript).

use crate::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use services::ServiceError;
use services::entities::tenants;
use services::users::SignedIn;

/// `GET /brand/logo`: the logo of the request's tenant, or the DIDTron logo when it has none.
pub async fn logo(
    State(state): State<AppState>,
    Extension(tenant): Extension<tenants::Model>,
) -> Response {
    match services::tenants::logo(state.services.objects.as_ref(), &tenant).await {
        Ok(Some((mime, bytes))) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => Redirect::temporary("/logo.svg").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "reading a tenant logo");
            Redirect::temporary("/logo.svg").into_response()
        }
    }
}

/// `GET /admin/tenants/{id}/logo-preview`: tenant `id`'s logo for its admin page (the super
/// admin sees every tenant's, a tenant admin its own).
pub async fn logo_preview(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Response {
    match services::tenants::get_tenant(&state.services.db, &me.actor(), id).await {
        Ok(t) => logo(State(state), Extension(t.row)).await,
        Err(e) => crate::api::error_response(e),
    }
}

/// `POST /admin/tenants/{id}/logo` (multipart, field `logo`): stores the logo and goes back to
/// the tenant's Branding tab, with `logo_error=<message>` when it was refused.
pub async fn upload_logo(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return Redirect::to("/login").into_response();
    };
    let back = format!("/admin/tenants/{id}?tab=branding");
    let mut bytes = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("logo") => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(e) => return refused(&back, &format!("Logo could not be read: {e}")),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refused(&back, &format!("Logo could not be read: {e}")),
        }
    }
    match services::tenants::set_logo(
        &state.services.db,
        state.services.objects.as_ref(),
        &me.actor(),
        id,
        bytes,
    )
    .await
    .inspect(|_| state.services.hosts.forget())
    {
        Ok(_) => Redirect::to(&format!("{back}&logo=saved")).into_response(),
        Err(ServiceError::Validation(errors)) => {
            let message = errors
                .iter()
                .map(|e| format!("Logo {}", e.message))
                .collect::<Vec<_>>()
                .join("; ");
            refused(&back, &message)
        }
        Err(ServiceError::NotFound) => (StatusCode::NOT_FOUND, "no such tenant").into_response(),
        Err(ServiceError::Forbidden) => (StatusCode::FORBIDDEN, "forbidden").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "storing a tenant logo");
            refused(
                &back,
                "Logo could not be stored: try again, or see the server log",
            )
        }
    }
}

fn refused(back: &str, message: &str) -> Response {
    let query = serde_urlencoded::to_string([("logo_error", message)]).unwrap_or_default();
    Redirect::to(&format!("{back}&{query}")).into_response()
}
