//! Server-side helpers of the server functions: the shared services, the signed-in user and the
//! request's origin from the request, and error statuses.
//!
//! Read the request's context ([`services`], [`number_format`], [`site_origin`]) before a server
//! function's first real wait (a database query). During a server render, a `Suspense` may build
//! the page twice and drop the first build; the first build's resources still finish, without
//! their context, and the browser hydrates with their answers. An answer that turned into an
//! error there made the browser draw an error panel over the rendered page (a hydration panic),
//! and a context lookup made while that build was being dropped deadlocked a worker thread
//! inside `reactive_graph` (the ledger page never answered).

use crate::error::AppError;
use axum::Extension;
use domain::access::Portal;
use leptos::prelude::*;
use services::audit::Origin;
use services::users::SignedIn;
use services::{ServiceError, Services};

/// The platform's services, provided to every render and server function by the server.
///
/// # Errors
/// `Internal` when the server forgot to provide them (a bug).
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        fail(ServiceError::Unexpected(anyhow_msg(
            "services missing from context",
        )))
    })
}

fn anyhow_msg(msg: &'static str) -> services::error::AnyError {
    services::error::AnyError::msg(msg)
}

/// The signed-in user of this request.
///
/// # Errors
/// `Unauthorized` when nobody is signed in (or the account was disabled meanwhile).
pub async fn signed_in() -> Result<SignedIn, AppError> {
    leptos_axum::extract::<Extension<SignedIn>>()
        .await
        .map(|Extension(s)| s)
        .map_err(|_| {
            fail(AppError::Unauthorized(
                "you are not signed in: sign in first".to_owned(),
            ))
        })
}

/// The signed-in user, checked to belong to `portal`.
///
/// # Errors
/// `Unauthorized` when not signed in, `Forbidden` for another portal's role.
pub async fn signed_in_to(portal: Portal) -> Result<SignedIn, AppError> {
    let user = signed_in().await?;
    if portal.admits(user.role) {
        Ok(user)
    } else {
        Err(fail(AppError::Forbidden))
    }
}

/// The tenant of the request's host (resolved by the server's middleware).
///
/// # Errors
/// `NotFound` when the server did not resolve one (an unknown host never reaches the app).
pub async fn tenant() -> Result<services::entities::tenants::Model, AppError> {
    leptos_axum::extract::<Extension<services::entities::tenants::Model>>()
        .await
        .map(|Extension(t)| t)
        .map_err(|_| fail(AppError::NotFound))
}

/// The guard of every customer feature: the signed-in user's customer must have `feature`
/// assigned; otherwise `Forbidden` (403), and the refusal is audited.
///
/// # Errors
/// `Unauthorized` when not signed in, `Forbidden` without the feature.
pub async fn require_feature(feature: domain::features::Feature) -> Result<SignedIn, AppError> {
    let me = signed_in().await?;
    let svc = services()?;
    services::features::require_feature(&svc.db, &me.actor(), feature)
        .await
        .map_err(fail)?;
    Ok(me)
}

/// How the person asking writes numbers: the first language of their browser's
/// `Accept-Language` that CLDR knows (English without one).
pub fn number_format() -> domain::locale::NumberFormat {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(domain::locale::NumberFormat::for_accept_language)
        })
        .unwrap_or_default()
}

/// The request's origin (IP and user agent), as resolved by the server's middleware.
pub async fn origin() -> Origin {
    leptos_axum::extract::<Extension<Origin>>()
        .await
        .map(|Extension(o)| o)
        .unwrap_or_default()
}

/// Converts `err` into an [`AppError`] and sets the response status to match, except for a
/// browser's plain form post (no JavaScript), which must stay a redirect back to the form with
/// the error in its URL.
pub fn fail(err: impl Into<AppError>) -> AppError {
    let err = err.into();
    let form_post = use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|a| a.contains("text/html"))
        })
        .unwrap_or(false);
    if !form_post {
        if let (Some(options), Ok(status)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(err.status()),
        ) {
            options.set_status(status);
        }
    }
    err
}

/// The origin (`scheme://host[:port]`) this request came to: the scheme of `server.public_url`
/// and the request's `Host` (a tenant's own domain), or `server.public_url`'s origin when the
/// host is missing or not a plain host name.
pub fn site_origin() -> String {
    let Ok(svc) = services() else {
        return String::new();
    };
    let settings = &svc.settings;
    let host = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    match host {
        Some(host)
            if !host.is_empty()
                && host.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                }) =>
        {
            let scheme = if settings.is_https() { "https" } else { "http" };
            format!("{scheme}://{host}")
        }
        _ => settings.public_origin().to_owned(),
    }
}

/// Sets the status of the page being rendered (404 and 403 pages).
pub fn set_page_status(status: u16) {
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        options.set_status(status);
    }
}

/// The OpenAPI document of `/api/v1`, provided by the server to every render, for the API
/// reference page.
#[derive(Clone, Debug)]
pub struct ApiReference(pub std::sync::Arc<serde_json::Value>);
