//! The DIDTron web process: the router (pages, server functions, health), its middleware
//! (request origin, CSRF check, sessions, signed-in user, page guard, body limit), and start-up.

pub mod api;
pub mod brand;
pub mod cdrs;
pub mod decks;
pub mod destinations;
pub mod exports;
pub mod middleware;
pub mod public;
pub mod webhooks;

use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use services::Services;
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The state handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The platform's services.
    pub services: Services,
    /// Leptos' site options (output name, site root).
    pub leptos: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Leptos' options from our settings: the built site lives in `server.site_root`.
pub fn leptos_options(services: &Services) -> LeptosOptions {
    let settings = &services.settings;
    LeptosOptions::builder()
        .output_name(Arc::<str>::from("didtron"))
        .site_root(Arc::<str>::from(
            settings.server.site_root.to_string_lossy().as_ref(),
        ))
        .site_pkg_dir(Arc::<str>::from("pkg"))
        .site_addr(settings.server.addr)
        .build()
}

/// The whole router of a web process. Server functions are served under `/api/` by
/// `leptos_routes_with_context`, which registers every `#[server]` function it finds.
pub fn build_router(services: Services) -> Router {
    let leptos = leptos_options(&services);
    let state = AppState {
        services: services.clone(),
        leptos: leptos.clone(),
    };
    let routes = generate_route_list(App);
    let context = {
        let services = services.clone();
        let reference = app::ssr::ApiReference(Arc::new(api::openapi_json()));
        move || {
            provide_context(services.clone());
            provide_context(reference.clone());
        }
    };
    let settings = services.settings.clone();
    let sessions = SessionManagerLayer::new(services.sessions.clone())
        .with_name("didtron_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            settings.auth.session_idle_minutes,
        )));

    Router::new()
        .route("/healthz", get(middleware::health))
        .route("/", get(middleware::root))
        .route("/brand/logo", get(brand::logo))
        .route(
            "/public/v1/rates",
            get(public::rates).options(public::preflight),
        )
        .route("/public/v1/brand", get(public::brand))
        .nest_service(
            "/widget",
            public::widget_files(&settings.server.widget_root),
        )
        .route(
            "/admin/tenants/{id}/logo",
            axum::routing::post(brand::upload_logo).layer(axum::extract::DefaultBodyLimit::max(
                middleware::UPLOAD_LIMIT_BYTES,
            )),
        )
        .route("/admin/tenants/{id}/logo-preview", get(brand::logo_preview))
        .route(
            "/admin/carriers/{id}/decks",
            axum::routing::post(decks::upload).layer(axum::extract::DefaultBodyLimit::max(
                middleware::DECK_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/switch/carriers/{id}/decks",
            axum::routing::post(decks::upload).layer(axum::extract::DefaultBodyLimit::max(
                middleware::DECK_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/admin/destinations/import",
            axum::routing::post(destinations::import).layer(axum::extract::DefaultBodyLimit::max(
                middleware::DECK_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/carrier/decks",
            axum::routing::post(decks::upload_own).layer(axum::extract::DefaultBodyLimit::max(
                middleware::DECK_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/carrier/decks/{deck}/errors.csv",
            get(decks::own_errors_csv),
        )
        .route(
            "/carrier/decks/{deck}/exports/{export}",
            get(decks::own_export_file),
        )
        .route(
            "/admin/carriers/{id}/decks/{deck}/errors.csv",
            get(decks::errors_csv),
        )
        .route(
            "/switch/carriers/{id}/decks/{deck}/errors.csv",
            get(decks::errors_csv),
        )
        .route(
            "/admin/sell-cards/{id}/rates.csv",
            get(decks::sell_card_csv),
        )
        .route(
            "/switch/sell-cards/{id}/rates.csv",
            get(decks::sell_card_csv),
        )
        .route("/customer/rates/{id}/rates.csv", get(decks::sell_card_csv))
        .route(
            "/admin/carriers/{id}/decks/{deck}/exports/{export}",
            get(decks::export_file),
        )
        .route(
            "/switch/carriers/{id}/decks/{deck}/exports/{export}",
            get(decks::export_file),
        )
        .route(
            "/admin/cdrs/import",
            axum::routing::post(cdrs::import).layer(axum::extract::DefaultBodyLimit::max(
                middleware::CDR_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/admin/cdrs/files/{id}/problems.csv",
            get(cdrs::problems_csv),
        )
        .route(
            "/switch/cdrs/import",
            axum::routing::post(cdrs::import).layer(axum::extract::DefaultBodyLimit::max(
                middleware::CDR_UPLOAD_LIMIT_BYTES,
            )),
        )
        .route(
            "/switch/cdrs/files/{id}/problems.csv",
            get(cdrs::problems_csv),
        )
        .route("/admin/customers/export.csv", get(exports::customers_csv))
        .route("/admin/customers/{id}/ledger.csv", get(exports::ledger_csv))
        .route("/customer/balance/entries.csv", get(exports::my_ledger_csv))
        .route("/admin/audit/export.csv", get(exports::audit_csv))
        .route("/admin/jobs/events", get(jobs_events))
        .route(
            "/admin/customer-categories/export.csv",
            get(exports::categories_csv),
        )
        .route(
            "/webhooks/stripe",
            axum::routing::post(webhooks::stripe_webhook),
        )
        .route(
            "/webhooks/paypal",
            axum::routing::post(webhooks::paypal_webhook),
        )
        .route(
            "/customer/top-up/paypal-return",
            get(webhooks::paypal_return),
        )
        .route(
            "/customer/statements/{id}/statement.pdf",
            get(exports::statement_pdf),
        )
        .route(
            "/admin/statements/{id}/statement.pdf",
            get(exports::statement_pdf),
        )
        .nest("/api/v1", api::router(state.clone()))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn(middleware::bad_arguments_are_400))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_user,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::check_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_tenant,
        ))
        .layer(axum::middleware::from_fn(middleware::request_origin))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::limit_body,
        ))
        .with_state(state)
}

/// `GET /admin/jobs/events`: the jobs dashboard's data as server-sent events, one `message`
/// (JSON of `app::features::jobs::api::JobsData`) per second while the page is open; the super
/// admin only.
async fn jobs_events(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(me): axum::Extension<services::users::SignedIn>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    let actor = me.actor();
    if let Err(e) = services::jobs::overview(&state.services, &actor).await {
        return api::error_response(e);
    }
    let stream = futures::stream::unfold((state, actor), |(state, actor)| async move {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let event = match services::jobs::overview(&state.services, &actor).await {
            Ok(o) => Event::default()
                .json_data(app::features::jobs::api::to_data(o))
                .unwrap_or_else(|_| Event::default().comment("unserialisable")),
            Err(e) => Event::default().event("error").data(e.to_string()),
        };
        Some((Ok::<_, std::convert::Infallible>(event), (state, actor)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
