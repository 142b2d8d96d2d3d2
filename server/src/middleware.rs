//! The middleware every request passes, outermost first: body limit, request origin, tenant (by
//! Host), CSRF origin check, session, signed-in user, page guard.

use crate::AppState;
use app::features::sessions::api::USER_ID_KEY;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Portal;
use services::audit::Origin;
use services::users::SignedIn;
use std::net::SocketAddr;
use tower_sessions::Session;

/// `GET /healthz`: 200 "ok" when the database answers, 503 otherwise.
pub async fn health(State(state): State<AppState>) -> Response {
    match state.services.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unreachable: {e}"),
        )
            .into_response(),
    }
}

/// `GET /`: the signed-in user's portal, else the sign-in page.
pub async fn root(signed_in: Option<axum::Extension<SignedIn>>) -> Redirect {
    match signed_in {
        Some(axum::Extension(me)) => Redirect::to(me.role.portal().base_path()),
        None => Redirect::to("/login"),
    }
}

/// Refuses bodies over `server.body_limit_bytes` with 413 and a message saying the limit.
pub async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit =
        upload_limit(req.uri().path()).unwrap_or(state.services.settings.server.body_limit_bytes);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(limit);
    }
    let (parts, body) = req.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    let response = next.run(Request::from_parts(parts, body)).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(limit);
    }
    response
}

/// Routes that take files have their own, larger body limit, so that a file over the feature's
/// own limit (e.g. a 3 MB logo) is answered by the feature with a message on the form rather
/// than a bare 413.
pub fn upload_limit(path: &str) -> Option<usize> {
    if path.starts_with("/admin/tenants/") && path.ends_with("/logo") {
        return Some(UPLOAD_LIMIT_BYTES);
    }
    let deck_upload = path == "/carrier/decks"
        || ((path.starts_with("/admin/carriers/") || path.starts_with("/switch/carriers/"))
            && path.ends_with("/decks"));
    if path == "/admin/cdrs/import" || path == "/switch/cdrs/import" {
        return Some(CDR_UPLOAD_LIMIT_BYTES);
    }
    deck_upload.then_some(DECK_UPLOAD_LIMIT_BYTES)
}

/// Body limit of the CDR file upload: the largest CDR file plus room for multipart framing.
pub const CDR_UPLOAD_LIMIT_BYTES: usize =
    services::cdrs::file_jobs::MAX_FILE_BYTES + 10 * 1024 * 1024;

/// Body limit of the rate deck upload: the largest deck plus room for the form's other fields
/// and multipart framing, so a deck just over 100 MiB gets the feature's message.
pub const DECK_UPLOAD_LIMIT_BYTES: usize = services::decks::MAX_DECK_BYTES + 10 * 1024 * 1024;

/// Body limit of file upload routes (10 MiB).
pub const UPLOAD_LIMIT_BYTES: usize = 10 * 1024 * 1024;

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "request body too large: at most {limit} bytes are accepted (server.body_limit_bytes)"
        ),
    )
        .into_response()
}

/// Records the client's IP (the TCP peer) and User-Agent as an [`Origin`] extension.
pub async fn request_origin(mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect());
    req.extensions_mut().insert(Origin { ip, user_agent });
    next.run(req).await
}

/// Picks the tenant from the request's `Host` (or the URI's authority) and stores its row as an
/// extension; an unknown host gets a plain "unknown site" page (404), never another tenant's
/// data. `/healthz` needs no tenant.
pub async fn resolve_tenant(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let Some(host) = host else {
        return (StatusCode::BAD_REQUEST, "the request has no Host header").into_response();
    };
    match state
        .services
        .hosts
        .resolve(&state.services.db, &host)
        .await
    {
        Ok(Some(tenant)) => {
            req.extensions_mut().insert(tenant);
            next.run(req).await
        }
        Ok(None) => unknown_site(&services::tenants::host_name(&host)),
        Err(e) => {
            tracing::error!(error = ?e, "resolving the tenant");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unreachable: try again shortly",
            )
                .into_response()
        }
    }
}

fn unknown_site(host: &str) -> Response {
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-:".contains(*c))
        .collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unknown site</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
         <h1>Unknown site</h1><p>No portal is configured for <strong>{host}</strong>.</p>\
         <p>If you run this platform, add the domain to a tenant under Super Admin &gt; Tenants.</p>\
         </body></html>"
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// CSRF protection for cookie-authenticated writes (OWASP "verifying origin with standard
/// headers"): a POST, PUT, PATCH or DELETE must carry an `Origin` (or, failing that, a `Referer`)
/// of this site, i.e. `server.public_url`'s origin or the request's own `Host`. Session cookies
/// are also `SameSite=Lax`, so other sites cannot send them on cross-site posts.
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The REST API authenticates with bearer keys, which a browser never sends on its own.
    let bearer_api = req.uri().path().starts_with("/api/v1/");
    // Payment providers' webhooks are authenticated by their signatures.
    let webhook = req.uri().path().starts_with("/webhooks/");
    if unsafe_method
        && !bearer_api
        && !webhook
        && !same_site(req.headers(), state.services.settings.public_origin())
    {
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: the Origin header does not match this site",
        )
            .into_response();
    }
    next.run(req).await
}

fn same_site(headers: &HeaderMap, public_origin: &str) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else { return false };
    let origin_of = |url: &str| -> String {
        let after = url.find("://").map_or(0, |i| i + 3);
        let end = url[after..].find('/').map_or(url.len(), |i| after + i);
        url[..end].to_ascii_lowercase()
    };
    let source = origin_of(source);
    if source == public_origin.to_ascii_lowercase() {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !host.is_empty()
        && source
            .split_once("://")
            .is_some_and(|(_, h)| h.eq_ignore_ascii_case(host))
}

/// Resolves the session's user into a [`SignedIn`] extension; a disabled or deleted user's
/// session is ended.
pub async fn resolve_user(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let tenant = req
        .extensions()
        .get::<services::entities::tenants::Model>()
        .cloned();
    if let (Ok(Some(user_id)), Some(tenant)) = (session.get::<i64>(USER_ID_KEY).await, tenant) {
        match services::users::find_active(&state.services.db, user_id).await {
            Ok(Some(user)) if !services::users::belongs_to(&user, tenant.id) => {
                // A session cookie is per host, so this only happens when a domain moved to
                // another tenant: the user is not signed in here.
            }
            Ok(Some(user)) => {
                let origin = req
                    .extensions()
                    .get::<Origin>()
                    .cloned()
                    .unwrap_or_default();
                req.extensions_mut()
                    .insert(SignedIn::new(user, tenant, origin));
            }
            Ok(None) => {
                let _ = session.flush().await;
            }
            Err(e) => {
                tracing::error!(error = ?e, "resolving the session's user");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is unreachable: try again shortly",
                )
                    .into_response();
            }
        }
    }
    next.run(req).await
}

/// Page requests (GET) to a portal without a session go to the sign-in page, keeping where they
/// were going; the sign-in page itself sends a signed-in user to their portal. Another portal's
/// role is answered 403 by the page itself.
pub async fn guard_pages(req: Request, next: Next) -> Response {
    if req.method() == Method::GET {
        let path = req.uri().path();
        let signed_in = req.extensions().get::<SignedIn>();
        if Portal::of_path(path).is_some() && signed_in.is_none() {
            let next_path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or(path);
            let target = format!("/login?next={}", encode(next_path));
            return Redirect::to(&target).into_response();
        }
        if path == "/login" || path == "/signup" {
            if let Some(me) = signed_in {
                return Redirect::to(me.role.portal().base_path()).into_response();
            }
        }
    }
    next.run(req).await
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Server functions whose arguments could not be decoded (a missing or malformed form field)
/// fail before our code runs, and the server-function layer answers 500; they are the client's
/// error, so they are answered 400 with the same body, which names the field.
pub async fn bad_arguments_are_400(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    };
    if bytes.starts_with(b"{\"Request\"") {
        if String::from_utf8_lossy(&bytes).contains("length limit exceeded") {
            // A body without Content-Length that outgrew `limit_body`'s limit.
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large (server.body_limit_bytes)",
            )
                .into_response();
        }
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
