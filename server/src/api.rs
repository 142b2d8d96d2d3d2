//! The REST API under `/api/v1`: JSON, authenticated by API keys (`Authorization: Bearer
//! dtk_...`), limited per key (`api.requests_per_minute`, answered 429 with `Retry-After`), and
//! described by the OpenAPI document at `/api/v1/openapi.json` (browsable at `/docs/api`).
//! Errors are `{"error": code, "message": text, "fields": [{"field", "message"}]}`.

use crate::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use domain::access::Role;
use domain::features::Feature;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use services::api_keys::KeyUser;
use services::audit::{Actor, Origin};
use services::entities::tenants;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub mod cdrs;
pub mod routes;

/// The OpenAPI 3.1 description of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "DIDTron API",
        version = "1",
        description = "Wholesale VoIP platform API. Authenticate with an API key: `Authorization: Bearer dtk_...`. Each key has scopes and a per-minute request limit (429 with Retry-After when exceeded)."
    ),
    paths(get_account, list_customers, routes::get_routes, cdrs::post_cdrs),
    components(schemas(Account, AccountUser, AccountTenant, AccountCustomer, CustomerItem, CustomerList, ApiError, ApiFieldError, routes::RoutesAnswer, cdrs::CdrBatch, services::cdrs::IngestReport)),
    modifiers(&BearerAuth),
    tags((name = "account", description = "The key's own account"), (name = "customers", description = "Customers of the tenant (staff keys)"), (name = "routing", description = "Least-cost routes for switches (staff and switch operator keys)"), (name = "cdrs", description = "Call detail records: rated and charged once per call id (staff and switch operator keys)"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dtk_<prefix>_<secret>")
                    .description(Some("An API key created under My account > API keys"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// An error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// `validation`, `conflict`, `not_found`, `forbidden`, `unauthorized`, `payment_required`,
    /// `rate_limited` or `internal`.
    error: &'static str,
    /// What went wrong and how to fix it.
    message: String,
    /// The invalid fields, for `validation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<ApiFieldError>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFieldError {
    /// The field's name.
    field: String,
    /// What is wrong with it.
    message: String,
}

/// The JSON response of a use case's error, with its status (and `Retry-After` for 429).
pub fn error_response(err: ServiceError) -> Response {
    let (status, code) = match &err {
        ServiceError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        ServiceError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        ServiceError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        ServiceError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        ServiceError::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    let fields = match &err {
        ServiceError::Validation(errors) => errors
            .iter()
            .map(|e| ApiFieldError {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let message = match &err {
        ServiceError::Unexpected(e) => {
            tracing::error!(error = ?e, "API request failed");
            "internal error: see the server log".to_owned()
        }
        ServiceError::Forbidden => "this key may not do this".to_owned(),
        other => other.to_string(),
    };
    let mut response = (
        status,
        Json(ApiError {
            error: code,
            message,
            fields,
        }),
    )
        .into_response();
    if let ServiceError::RateLimited {
        retry_after_seconds,
    } = err
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after_seconds.into());
    }
    response
}

/// 402 `payment_required`: the customer may not place calls until it tops up.
fn payment_required(message: String) -> Response {
    (
        StatusCode::PAYMENT_REQUIRED,
        Json(ApiError {
            error: "payment_required",
            message,
            fields: Vec::new(),
        }),
    )
        .into_response()
}

fn forbidden(message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(ApiError {
            error: "forbidden",
            message,
            fields: Vec::new(),
        }),
    )
        .into_response()
}

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The key and its user.
    pub key: KeyUser,
    /// The actor for use cases.
    pub actor: Actor,
}

impl ApiCaller {
    fn need(&self, scope: &str) -> Result<(), Response> {
        if self.key.has_scope(scope) {
            Ok(())
        } else {
            Err(forbidden(format!(
                "this key lacks the `{scope}` scope: create a key with it under My account > API keys"
            )))
        }
    }
}

/// Authenticates the bearer key, applies the per-key rate limit and, for a customer's key, the
/// API access feature.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let svc = &state.services;
    let Some(tenant) = req.extensions().get::<tenants::Model>().cloned() else {
        return error_response(ServiceError::NotFound);
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = token else {
        let mut r = error_response(ServiceError::Unauthorized(
            "send an API key: `Authorization: Bearer dtk_...`".to_owned(),
        ));
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("static header"),
        );
        return r;
    };
    let key = match svc.keys.authenticate(&svc.db, tenant.id, token).await {
        Ok(k) => k,
        Err(e) => return error_response(e),
    };
    // Route look-ups are counted apart, with their own (much higher) limit.
    let limiter = if req.uri().path().ends_with("/routes") {
        &svc.routes_limiter
    } else {
        &svc.api_limiter
    };
    let limit_key = format!("key:{}", key.key.id);
    match limiter.blocked_for(&limit_key).await {
        Ok(Some(retry_after_seconds)) => {
            return error_response(ServiceError::RateLimited {
                retry_after_seconds,
            });
        }
        Ok(None) => {}
        Err(e) => return error_response(ServiceError::Unexpected(e)),
    }
    if let Err(e) = limiter.record_failure(&limit_key).await {
        return error_response(ServiceError::Unexpected(e));
    }
    let origin = req
        .extensions()
        .get::<Origin>()
        .cloned()
        .unwrap_or_default();
    let role = services::users::role(&key.user);
    let actor = Actor {
        tenant_id: tenant.id,
        user_id: key.user.id,
        email: key.user.email.clone(),
        role,
        customer_id: key.user.customer_id,
        carrier_id: key.user.carrier_id,
        ip: origin.ip,
        user_agent: origin.user_agent,
    };
    if role == Role::Customer
        && let Err(e) =
            services::features::require_feature(&svc.db, &actor, Feature::ApiAccess).await
    {
        return match e {
            ServiceError::Forbidden => forbidden(
                "API access is not part of your account's features: ask your provider to enable it"
                    .to_owned(),
            ),
            other => error_response(other),
        };
    }
    req.extensions_mut().insert(ApiCaller { key, actor });
    next.run(req).await
}

/// The routes under `/api/v1`.
pub fn router(state: AppState) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/account", get(get_account))
        .route("/customers", get(list_customers))
        .route("/routes", get(routes::get_routes))
        .route("/cdrs", axum::routing::post(cdrs::post_cdrs))
        .layer(axum::middleware::from_fn_with_state(state, authenticate));
    Router::new()
        .route("/openapi.json", get(|| async { Json(openapi_json()) }))
        .merge(authenticated)
}

/// The key's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    user: AccountUser,
    tenant: AccountTenant,
    /// The customer of a customer user; `null` for staff.
    customer: Option<AccountCustomer>,
    /// Feature keys the account has, e.g. `api_access`.
    features: Vec<String>,
    /// The key's scopes.
    scopes: Vec<String>,
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountUser {
    id: i64,
    email: String,
    display_name: String,
    /// `super_admin`, `admin`, `customer`, `carrier` or `switch_operator`.
    role: String,
}

/// A tenant (brand).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountTenant {
    id: i64,
    name: String,
}

/// A customer account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCustomer {
    id: i64,
    company_name: String,
    /// ISO 4217 code.
    billing_currency: String,
    /// `prepaid` or `postpaid`.
    billing_type: String,
    /// Decimal string in the billing currency, e.g. `"100.00"`.
    credit_limit: String,
    /// `active`, `suspended` or `closed`.
    status: String,
}

/// Returns the key's user, tenant, customer, features and scopes.
#[utoipa::path(
    get,
    path = "/api/v1/account",
    tag = "account",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The account (scope `account:read`)", body = Account),
        (status = 401, description = "Missing, unknown or revoked key", body = ApiError),
        (status = 403, description = "The key lacks `account:read`", body = ApiError),
        (status = 429, description = "Too many requests for this key; see Retry-After", body = ApiError)
    )
)]
async fn get_account(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> Response {
    if let Err(r) = caller.need("account:read") {
        return r;
    }
    let db = &state.services.db;
    let customer = match caller.actor.customer_id {
        Some(id) => match services::customers::get_customer(db, &caller.actor, id).await {
            Ok(c) => Some(AccountCustomer {
                id: c.id,
                company_name: c.company_name,
                billing_currency: c.billing_currency,
                billing_type: c.billing_type,
                credit_limit: c.credit_limit,
                status: c.status,
            }),
            Err(_) => None,
        },
        None => None,
    };
    let features = match services::features::features_of_actor(db, &caller.actor).await {
        Ok(f) => f.into_iter().map(|f| f.key().to_owned()).collect(),
        Err(e) => return error_response(e),
    };
    let tenant_name = match services::entities::tenants::Entity::find_by_id(caller.actor.tenant_id)
        .one(db)
        .await
    {
        Ok(t) => t.map(|t| t.name).unwrap_or_default(),
        Err(e) => return error_response(e.into()),
    };
    let user = &caller.key.user;
    Json(Account {
        user: AccountUser {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role.clone(),
        },
        tenant: AccountTenant {
            id: caller.actor.tenant_id,
            name: tenant_name,
        },
        customer,
        features,
        scopes: caller
            .key
            .key
            .scopes
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
    .into_response()
}

use sea_orm::EntityTrait as _;

/// Query of `GET /api/v1/customers`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CustomerListQuery {
    /// Text in company, contact name or e-mail.
    q: Option<String>,
    /// `active`, `suspended` or `closed`.
    status: Option<String>,
    /// Page, from 1 (default 1).
    page: Option<u64>,
    /// Rows per page, 1-200 (default 50).
    per_page: Option<u64>,
}

/// A customer in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerItem {
    id: i64,
    company_name: String,
    contact_email: String,
    /// ISO 4217 code.
    billing_currency: String,
    billing_type: String,
    /// Decimal string.
    credit_limit: String,
    status: String,
    category_id: Option<i64>,
    group_id: Option<i64>,
}

/// One page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    data: Vec<CustomerItem>,
    page: u64,
    per_page: u64,
    /// Customers matching on all pages.
    total: u64,
}

/// Lists the tenant's customers, by company name.
#[utoipa::path(
    get,
    path = "/api/v1/customers",
    tag = "customers",
    security(("api_key" = [])),
    params(CustomerListQuery),
    responses(
        (status = 200, description = "One page (scope `customers:read`, staff keys)", body = CustomerList),
        (status = 401, description = "Missing, unknown or revoked key", body = ApiError),
        (status = 403, description = "The key lacks `customers:read`", body = ApiError),
        (status = 429, description = "Too many requests for this key; see Retry-After", body = ApiError)
    )
)]
async fn list_customers(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(q): Query<CustomerListQuery>,
) -> Response {
    if let Err(r) = caller.need("customers:read") {
        return r;
    }
    let query = services::customers::CustomerQuery {
        search: q.q,
        status: q.status,
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
        ..Default::default()
    };
    match services::customers::list_customers(&state.services.db, &caller.actor, &query).await {
        Ok(page) => Json(CustomerList {
            data: page
                .items
                .into_iter()
                .map(|c| CustomerItem {
                    id: c.id,
                    company_name: c.company_name,
                    contact_email: c.contact_email,
                    billing_currency: c.billing_currency,
                    billing_type: c.billing_type,
                    credit_limit: c.credit_limit,
                    status: c.status,
                    category_id: c.category_id,
                    group_id: c.group_id,
                })
                .collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
        })
        .into_response(),
        Err(e) => error_response(e),
    }
}
