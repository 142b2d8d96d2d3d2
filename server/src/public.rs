//! Key-less endpoints that a tenant's own website calls from the browser, on another origin:
//! `GET /public/v1/rates?number=...` (the price widget's look-up), `GET /public/v1/brand` (the
//! colours it dresses in) and the widget's own files under `/widget/`. Every answer carries
//! CORS headers (`Access-Control-Allow-Origin: *`: the data is public by the tenant's choice)
//! and the look-ups are rate-limited per client IP (`api.public_requests_per_minute`).

use crate::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use services::ServiceError;
use services::audit::Origin;
use services::entities::tenants;
use services::public_rates::PublicAnswer;

/// The query of [`rates`].
#[derive(Debug, Deserialize)]
pub struct RatesQuery {
    /// The number to price, international format (`+44 20 7946 0000`, `0044...`, digits).
    #[serde(default)]
    pub number: String,
}

/// The answer of [`rates`]: the public rates and the brand the widget dresses in.
#[derive(Debug, Serialize)]
struct RatesAnswer {
    #[serde(flatten)]
    answer: PublicAnswer,
    /// The tenant's brand name.
    brand: String,
    /// Its primary colour, `#RRGGBB`.
    color: String,
}

/// `GET /public/v1/rates?number=`: the tenant's public sell rates for `number` (tiers marked
/// public, their card for all customers): 200 with `rates`; 404 when no public tier prices it
/// (the message says whether the tenant publishes rates at all); 422 naming `number` for a bad
/// number; 429 with `Retry-After` past the per-IP limit.
pub async fn rates(
    State(state): State<AppState>,
    Extension(tenant): Extension<tenants::Model>,
    origin: Option<Extension<Origin>>,
    Query(query): Query<RatesQuery>,
) -> Response {
    let svc = &state.services;
    let ip = origin
        .and_then(|Extension(o)| o.ip)
        .unwrap_or_else(|| "unknown".to_owned());
    let response = match svc.public_limiter.hit(&format!("{}:{ip}", tenant.id)).await {
        Ok(Some(retry_after_seconds)) => crate::api::error_response(ServiceError::RateLimited {
            retry_after_seconds,
        }),
        Err(e) => crate::api::error_response(ServiceError::Unexpected(e)),
        Ok(None) => match services::public_rates::public_rates(svc, tenant.id, &query.number).await
        {
            Ok(answer) if answer.rates.is_empty() => {
                let message = if answer.published {
                    format!(
                        "{} publishes no rate for +{}{}",
                        tenant.name,
                        answer.number,
                        answer
                            .destination
                            .as_ref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    )
                } else {
                    format!("{} publishes no rates on its website yet", tenant.name)
                };
                (
                    StatusCode::NOT_FOUND,
                    Json(serde_json::json!({ "error": "not_found", "message": message, "fields": [] })),
                )
                    .into_response()
            }
            Ok(answer) => Json(RatesAnswer {
                answer,
                brand: tenant.name.clone(),
                color: tenant.primary_color.clone(),
            })
            .into_response(),
            Err(e) => crate::api::error_response(e),
        },
    };
    cors(response)
}

/// The answer of [`brand`].
#[derive(Debug, Serialize)]
struct BrandAnswer {
    /// The tenant's brand name.
    brand: String,
    /// Its primary colour, `#RRGGBB`.
    color: String,
}

/// `GET /public/v1/brand`: the name and primary colour of the tenant of the request's host, so
/// that the price widget wears them before its first look-up. Not rate-limited: it reads
/// nothing but the tenant row the host already resolved.
pub async fn brand(Extension(tenant): Extension<tenants::Model>) -> Response {
    cors(
        Json(BrandAnswer {
            brand: tenant.name,
            color: tenant.primary_color,
        })
        .into_response(),
    )
}

/// `/widget/...`: the price widget's built files from `root` (`server.widget_root`), readable
/// from any origin (a module script and its wasm loaded by another site need CORS) and cached
/// for five minutes (the names carry no hash). A file missing because the widget was never
/// built is a 404 that says how to build it.
pub fn widget_files(root: &std::path::Path) -> axum::routing::MethodRouter {
    use tower_http::set_header::SetResponseHeaderLayer;
    let missing = axum::routing::any(|| async {
        (
            StatusCode::NOT_FOUND,
            "no such file of the price widget; if the widget was never built, run `trunk build` \
             (scripts/build-site.sh does) and check server.widget_root",
        )
    });
    let files = tower_http::services::ServeDir::new(root).not_found_service(missing);
    let files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .service(files);
    axum::routing::get_service(files)
}

/// `OPTIONS /public/v1/rates`: the CORS preflight a browser may send first.
pub async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    cors(response)
}

fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
    response
}
