//! The router built by `build_router()`, exercised with tower's `oneshot` on a fresh SQLite
//! database per test: sign-in, roles, CSRF, limits and bad input, as a browser with and without
//! JavaScript sends them.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use services::settings::Settings;
use std::path::Path;
use tower::ServiceExt;

/// Leptos' executor is process-global and bound to the runtime it first sees, so every test
/// runs on this one runtime (each still on its own database), one at a time (concurrent renders
/// on the shared executor once stalled a run), and fails after two minutes rather than hanging.
fn run(test: impl std::future::Future<Output = ()>) {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap()
        })
        .block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(120), test)
                .await
                .expect("the test did not finish in 120 s");
        });
}

const ORIGIN: &str = "http://127.0.0.1:3000";
const PASSWORD: &str = services::seed::DEMO_PASSWORD;

async fn router(vars: &[(&str, &str)]) -> Router {
    router_and_services(vars).await.0
}

/// [`router`] and the services behind it, for tests that set data up directly.
async fn router_and_services(vars: &[(&str, &str)]) -> (Router, services::Services) {
    let file = std::env::temp_dir()
        .join("didtron-tests")
        .join(format!("{}.sqlite", uuid::Uuid::new_v4()));
    let db_url = format!("sqlite://{}?mode=rwc", file.display());
    let data_dir = std::env::temp_dir()
        .join("didtron-tests")
        .join(format!("data-{}", uuid::Uuid::new_v4()));
    let mut all: Vec<(String, String)> = vec![
        ("DIDTRON__DATABASE__URL".into(), db_url),
        (
            "DIDTRON__DATA__DIR".into(),
            data_dir.to_string_lossy().into_owned(),
        ),
    ];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::load_from_vars(Path::new("/nonexistent/didtron.toml"), all).unwrap();
    let services = services::Services::start(settings).await.unwrap();
    services::seed::seed_demo(&services.db).await.unwrap();
    (server::build_router(services.clone()), services)
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

/// Sends `req` (as a browser would, with `Host: 127.0.0.1:3000` unless it names another host).
async fn send(app: &Router, mut req: Request<Body>) -> Reply {
    if !req.headers().contains_key(header::HOST) {
        req.headers_mut()
            .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
    }
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body =
        String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    Reply {
        status,
        location,
        cookie,
        body,
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path).header(header::ACCEPT, "text/html");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::empty()).unwrap()
}

/// A server function call as the hydrated app makes it (fetch, JSON accepted).
fn call(path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Request<Body> {
    let body = serde_urlencoded::to_string(form).unwrap();
    let mut req = Request::post(path)
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, ORIGIN);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::from(body)).unwrap()
}

/// The same form posted by a browser without JavaScript.
fn form_post(path: &str, form: &[(&str, &str)], referer: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{ORIGIN}{referer}"))
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

async fn sign_in(app: &Router, email: &str) -> String {
    let reply = send(
        app,
        form_post(
            "/api/sign_in",
            &[("email", email), ("password", PASSWORD), ("next", "")],
            "/login",
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    reply.cookie.expect("a session cookie")
}

#[test]
fn the_sign_in_page_is_complete_html_and_portals_need_a_session() {
    run(async {
        let app = router(&[]).await;
        let page = send(&app, get("/login", None)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<form"), "{}", page.body);
        assert!(page.body.contains("name=\"email\"") && page.body.contains("name=\"password\""));
        assert!(
            page.body.contains("data-theme=\"system\""),
            "{}",
            &page.body[..200]
        );

        let portal = send(&app, get("/admin/users?role=customer", None)).await;
        assert_eq!(portal.status, StatusCode::SEE_OTHER);
        assert_eq!(
            portal.location.as_deref(),
            Some("/login?next=/admin/users%3Frole%3Dcustomer")
        );
        let root = send(&app, get("/", None)).await;
        assert_eq!(root.location.as_deref(), Some("/login"));
        assert_eq!(send(&app, get("/healthz", None)).await.body, "ok");
        assert_eq!(
            send(&app, get("/no/such/page", None)).await.status,
            StatusCode::NOT_FOUND
        );
    });
}

#[test]
fn each_role_lands_in_its_portal_and_is_refused_elsewhere() {
    run(async {
        let app = router(&[]).await;
        for (email, portal) in [
            ("superadmin@didtron.example", "/admin"),
            ("staff@didtron.example", "/admin"),
            ("customer@didtron.example", "/customer"),
            ("carrier@didtron.example", "/carrier"),
            ("switch@didtron.example", "/switch"),
        ] {
            let reply = send(
                &app,
                form_post(
                    "/api/sign_in",
                    &[("email", email), ("password", PASSWORD), ("next", "")],
                    "/login",
                ),
            )
            .await;
            assert_eq!(reply.location.as_deref(), Some(portal), "{email}");
            let cookie = reply.cookie.unwrap();
            let home = send(&app, get(portal, Some(&cookie))).await;
            assert_eq!(home.status, StatusCode::OK, "{email}: {}", home.body);
            assert!(home.body.contains("Welcome,"), "{email}");
            assert!(home.body.contains("My profile"));
            assert_eq!(
                send(&app, get("/login", Some(&cookie)))
                    .await
                    .location
                    .as_deref(),
                Some(portal)
            );
        }

        let customer = sign_in(&app, "customer@didtron.example").await;
        let refused = send(&app, get("/admin/users", Some(&customer))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused.body.contains("You don&#x27;t have access")
                || refused.body.contains("You don't have access"),
            "{}",
            refused.body
        );
        assert!(!refused.body.contains("superadmin@didtron.example"));
        let api = send(&app, call("/api/list_users", &[], Some(&customer))).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    });
}

#[test]
fn super_admin_lists_creates_disables_and_resets() {
    run(async {
        let app = router(&[]).await;
        let admin = sign_in(&app, "superadmin@didtron.example").await;
        let list = send(&app, get("/admin/users?q=carrier", Some(&admin))).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("carrier@didtron.example"));
        assert!(
            !list.body.contains("customer@didtron.example"),
            "the search filters"
        );

        let created = send(
            &app,
            call(
                "/api/create_user",
                &[
                    ("email", "new@example.com"),
                    ("display_name", "New"),
                    ("role", "carrier"),
                    ("password", "long-enough-pw"),
                ],
                Some(&admin),
            ),
        )
        .await;
        assert!(
            created.status.is_success() || created.status.is_redirection(),
            "{}",
            created.body
        );
        let page = send(&app, get("/admin/users?q=new%40example.com", Some(&admin))).await;
        let id: String = page
            .body
            .split("href=\"/admin/users/")
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .find(|id| !id.is_empty())
            .expect("a link to the new user");

        let disabled = send(
            &app,
            call(
                "/api/set_user_disabled",
                &[("id", &id), ("disabled", "true")],
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
        let refused = send(
            &app,
            call(
                "/api/sign_in",
                &[("email", "new@example.com"), ("password", "long-enough-pw")],
                None,
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.body.contains("disabled"));

        let detail = send(
            &app,
            get(&format!("/admin/users/{id}?tab=activity"), Some(&admin)),
        )
        .await;
        assert!(
            detail.body.contains("disable") && detail.body.contains("superadmin@didtron.example"),
            "{}",
            detail.body
        );
    });
}

#[test]
fn bad_input_gets_field_errors_and_changes_nothing() {
    run(async {
        let app = router(&[]).await;
        let admin = sign_in(&app, "superadmin@didtron.example").await;
        let bad = send(
            &app,
            call(
                "/api/create_user",
                &[
                    ("email", "nope"),
                    ("display_name", ""),
                    ("role", "customer"),
                    ("password", "short"),
                ],
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("\"field\":\"email\"") && bad.body.contains("\"field\":\"password\""),
            "{}",
            bad.body
        );
        let list = send(&app, get("/admin/users", Some(&admin))).await;
        assert!(!list.body.contains("nope"));

        let missing = send(
            &app,
            call(
                "/api/create_user",
                &[("email", "x@example.com")],
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
        assert!(
            missing.body.contains("display_name"),
            "the missing field is named: {}",
            missing.body
        );

        // Without JavaScript the error comes back in the URL of the form's page.
        let no_js = send(
            &app,
            form_post(
                "/api/sign_in",
                &[
                    ("email", "customer@didtron.example"),
                    ("password", "wrong-password"),
                    ("next", ""),
                ],
                "/login",
            ),
        )
        .await;
        assert_eq!(no_js.status, StatusCode::FOUND);
        let back = no_js.location.unwrap();
        assert!(
            back.starts_with(&format!("{ORIGIN}/login?")) && back.contains("__err="),
            "{back}"
        );
        let shown = send(&app, get(back.trim_start_matches(ORIGIN), None)).await;
        assert!(
            shown.body.contains("wrong e-mail or password"),
            "{}",
            shown.body
        );

        let huge = "x".repeat(3 * 1024 * 1024);
        let big = send(
            &app,
            call("/api/sign_in", &[("email", &huge), ("password", "p")], None),
        )
        .await;
        assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(big.body.contains("at most 2097152 bytes"), "{}", big.body);
    });
}

#[test]
fn ten_failures_then_429_and_cross_site_posts_are_refused() {
    run(async {
        let app = router(&[]).await;
        for _ in 0..10 {
            let r = send(
                &app,
                call(
                    "/api/sign_in",
                    &[
                        ("email", "carrier@didtron.example"),
                        ("password", "wrong-password"),
                    ],
                    None,
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert!(r.body.contains("wrong e-mail or password"));
        }
        let locked = send(
            &app,
            call(
                "/api/sign_in",
                &[("email", "carrier@didtron.example"), ("password", PASSWORD)],
                None,
            ),
        )
        .await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(locked.body.contains("RateLimited"), "{}", locked.body);

        let cross = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::from(
                "email=customer%40didtron.example&password=demo-pass-2026",
            ))
            .unwrap();
        let refused = send(&app, cross).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.cookie.is_none());
        let no_origin = Request::post("/api/sign_out").body(Body::empty()).unwrap();
        assert_eq!(send(&app, no_origin).await.status, StatusCode::FORBIDDEN);
    });
}

#[test]
fn sessions_are_http_only_and_secure_over_https_and_sign_out_ends_them() {
    run(async {
        let app = router(&[("DIDTRON__SERVER__PUBLIC_URL", "https://portal.example.com")]).await;
        let req = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "https://portal.example.com")
            .body(Body::from(
                "email=customer%40didtron.example&password=demo-pass-2026",
            ))
            .unwrap();
        let mut req = req;
        req.headers_mut()
            .insert(header::HOST, "portal.example.com".parse().unwrap());
        let res = app.clone().oneshot(req).await.unwrap();
        let set_cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            set_cookie.contains("HttpOnly")
                && set_cookie.contains("SameSite=Lax")
                && set_cookie.contains("Secure"),
            "{set_cookie}"
        );
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        assert_eq!(
            send(&app, get("/customer", Some(&cookie))).await.status,
            StatusCode::OK
        );
        let out = Request::post("/api/sign_out")
            .header(header::ORIGIN, "https://portal.example.com")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        send(&app, out).await;
        assert_eq!(
            send(&app, get("/customer", Some(&cookie))).await.status,
            StatusCode::SEE_OTHER
        );
    });
}

#[test]
fn the_first_paint_has_the_users_theme() {
    run(async {
        let app = router(&[]).await;
        let me = sign_in(&app, "carrier@didtron.example").await;
        let set = send(
            &app,
            call("/api/set_theme", &[("theme", "dark")], Some(&me)),
        )
        .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
        let page = send(&app, get("/carrier", Some(&me))).await;
        assert!(
            page.body
                .starts_with("<!DOCTYPE html><html data-theme=\"dark\""),
            "{}",
            &page.body[..300.min(page.body.len())]
        );
        let bad = send(
            &app,
            call("/api/set_theme", &[("theme", "pink")], Some(&me)),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("\"field\":\"theme\""));
    });
}

#[test]
fn with_redis_configured_sessions_and_limits_live_in_redis() {
    run(async {
        let redis_url = std::env::var("DIDTRON_TEST_REDIS_URL").expect(
            "DIDTRON_TEST_REDIS_URL is not set: run the README's test command (scripts/test.sh)",
        );
        let app = router(&[("DIDTRON__REDIS__URL", &redis_url)]).await;
        let me = sign_in(&app, "switch@didtron.example").await;
        let session_id = me.split_once('=').unwrap().1.to_owned();
        let mut conn = redis::Client::open(redis_url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let stored: Option<String> = redis::cmd("GET")
            .arg(format!("didtron:session:{session_id}"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(
            stored.is_some_and(|s| s.contains("user_id")),
            "the session is in Redis"
        );
        assert_eq!(
            send(&app, get("/switch", Some(&me))).await.status,
            StatusCode::OK
        );
    });
}

#[path = "router/tenants.rs"]
mod tenants;

#[path = "router/routes_api.rs"]
mod routes_api;

#[path = "router/public.rs"]
mod public;

#[path = "router/cdrs_api.rs"]
mod cdrs_api;

#[path = "router/webhooks.rs"]
mod webhooks;
