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
    server::build_router(services)
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

fn with_host(mut req: Request<Body>, host: &str) -> Request<Body> {
    req.headers_mut()
        .insert(header::HOST, host.parse().unwrap());
    req
}

fn bearer(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// The JSON body of a server function's `Ok` value.
fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

#[test]
fn hosts_pick_tenants_and_unknown_hosts_get_nothing() {
    run(async {
        let app = router(&[]).await;
        let unknown = send(&app, with_host(get("/login", None), "evil.example")).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.body.contains("Unknown site") && unknown.body.contains("evil.example"));
        assert!(!unknown.body.contains("DIDTron"), "no brand leaks");
        // The second demo brand: its colour is painted by the server, its admin signs in there
        // only, and the operator's users do not exist there.
        let brand_login = send(
            &app,
            with_host(get("/login", None), "voicehub.localhost:3000"),
        )
        .await;
        assert_eq!(brand_login.status, StatusCode::OK);
        assert!(
            brand_login.body.contains("--color-accent:#0F766E"),
            "brand colour in the first paint"
        );
        let operator_login = send(&app, get("/login", None)).await;
        assert!(
            !operator_login.body.contains("--color-accent:#"),
            "the default brand needs no override"
        );
        let staff_there = send(
            &app,
            with_host(
                call(
                    "/api/sign_in",
                    &[("email", "staff@didtron.example"), ("password", PASSWORD)],
                    None,
                ),
                "voicehub.localhost:3000",
            ),
        )
        .await;
        assert_eq!(
            staff_there.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            staff_there.body
        );
        let vera = send(
            &app,
            with_host(
                form_post(
                    "/api/sign_in",
                    &[
                        ("email", "admin@voicehub.example"),
                        ("password", PASSWORD),
                        ("next", ""),
                    ],
                    "/login",
                ),
                "voicehub.localhost:3000",
            ),
        )
        .await;
        assert_eq!(vera.status, StatusCode::FOUND, "{}", vera.body);
        let vera = vera.cookie.unwrap();
        let list = send(
            &app,
            with_host(
                get("/admin/customers", Some(&vera)),
                "voicehub.localhost:3000",
            ),
        )
        .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            !list.body.contains("Acme Telecom"),
            "the operator's customers are not listed"
        );
        assert!(list.body.contains("VoiceHub"), "the header shows the brand");
        // The operator's customer 1, asked for by id on VoiceHub: 404.
        let other = send(
            &app,
            with_host(
                get("/admin/customers/1", Some(&vera)),
                "voicehub.localhost:3000",
            ),
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
        let other = send(
            &app,
            with_host(
                call("/api/get_customer", &[("id", "1")], Some(&vera)),
                "voicehub.localhost:3000",
            ),
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
        // The session cookie of one host does not sign anyone in on another tenant's host.
        let elsewhere = send(&app, get("/admin/customers", Some(&vera))).await;
        assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
    });
}

#[test]
fn every_feature_route_refuses_an_unassigned_customer_and_audits_it() {
    run(async {
        let app = router(&[]).await;
        let admin = sign_in(&app, "superadmin@didtron.example").await;
        // Take every feature away from the demo customer: remove all assignments.
        let data = json(&send(&app, call("/api/list_assignments", &[], Some(&admin))).await);
        for row in data["rows"].as_array().unwrap() {
            let id = row["id"].to_string();
            let r = send(
                &app,
                call("/api/unassign_feature", &[("id", &id)], Some(&admin)),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let customer = sign_in(&app, "customer@didtron.example").await;
        let feature_pages: Vec<&str> = app::nav::SECTIONS
            .iter()
            .flat_map(|s| s.pages.iter())
            .filter(|p| p.feature.is_some())
            .map(|p| p.path)
            .collect();
        assert!(!feature_pages.is_empty(), "the registry has feature pages");
        for path in &feature_pages {
            let page = send(&app, get(path, Some(&customer))).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        }
        let home = send(&app, get("/customer", Some(&customer))).await;
        assert!(
            !home.body.contains("/customer/api-keys"),
            "the rail hides unassigned features"
        );
        // Its server functions refuse too, called directly.
        for (f, args) in [
            ("/api/list_api_keys", vec![]),
            (
                "/api/create_api_key",
                vec![("name", "x"), ("scopes[0]", "account:read")],
            ),
            ("/api/revoke_api_key", vec![("id", "1")]),
        ] {
            let r = send(&app, call(f, &args, Some(&customer))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{f}: {}", r.body);
        }
        let audit = send(
            &app,
            get("/admin/audit?action=feature_refused", Some(&admin)),
        )
        .await;
        assert!(
            audit.body.contains("feature_refused") && audit.body.contains("api_access"),
            "{}",
            audit.body
        );

        // Assigned by name, the page opens and the rail shows it.
        let r = send(
            &app,
            call(
                "/api/assign_feature",
                &[("feature", "api_access"), ("audience", "customer:1")],
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = send(&app, get("/customer/api-keys", Some(&customer))).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("/customer/api-keys"));
    });
}

#[test]
fn api_keys_authenticate_scope_rate_limit_and_are_documented() {
    run(async {
        let app = router(&[("DIDTRON__API__REQUESTS_PER_MINUTE", "5")]).await;
        let customer = sign_in(&app, "customer@didtron.example").await;
        let created = send(
            &app,
            call(
                "/api/create_api_key",
                &[("name", "CRM"), ("scopes[0]", "account:read")],
                Some(&customer),
            ),
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let token = json(&created)["token"].as_str().unwrap().to_owned();
        let keys = send(&app, get("/customer/api-keys", Some(&customer))).await;
        assert!(
            keys.body.contains("CRM") && !keys.body.contains(&token),
            "the secret is never shown again"
        );

        let none = send(
            &app,
            Request::get("/api/v1/account").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        let bad = send(&app, bearer("/api/v1/account", "dtk_nope_nope")).await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(
            bad.body.contains("\"error\":\"unauthorized\""),
            "{}",
            bad.body
        );
        let me = send(&app, bearer("/api/v1/account", &token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        let me = json(&me);
        assert_eq!(me["user"]["email"], "customer@didtron.example");
        assert_eq!(me["customer"]["company_name"], "Acme Telecom Ltd");
        assert!(
            me["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "api_access")
        );
        let scope = send(&app, bearer("/api/v1/customers", &token)).await;
        assert_eq!(scope.status, StatusCode::FORBIDDEN);
        assert!(scope.body.contains("customers:read"), "{}", scope.body);
        // The same key on another tenant's host is unknown there.
        let there = send(
            &app,
            with_host(bearer("/api/v1/account", &token), "voicehub.localhost"),
        )
        .await;
        assert_eq!(there.status, StatusCode::UNAUTHORIZED);
        // 5 requests per minute: 2 counted above (account, customers; the unknown key on the
        // other host never authenticated).
        for _ in 0..3 {
            assert_eq!(
                send(&app, bearer("/api/v1/account", &token)).await.status,
                StatusCode::OK
            );
        }
        let res = app
            .clone()
            .oneshot(with_host(
                bearer("/api/v1/account", &token),
                "127.0.0.1:3000",
            ))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = res.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");

        // Revoked keys stop at once.
        let id = "1";
        let r = send(
            &app,
            call("/api/revoke_api_key", &[("id", id)], Some(&customer)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let revoked = send(&app, bearer("/api/v1/account", &token)).await;
        assert!(
            revoked.body.contains("revoked") || revoked.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            revoked.body
        );

        let doc = send(
            &app,
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = json(&doc);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["paths"]["/api/v1/account"]["get"].is_object());
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
        let page = send(&app, get("/docs/api", None)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("/api/v1/customers") && page.body.contains("Retry-After"),
            "{}",
            page.body
        );
    });
}

#[test]
fn customers_are_created_exported_and_bad_input_is_named() {
    run(async {
        let app = router(&[]).await;
        let admin = sign_in(&app, "staff@didtron.example").await;
        let form = |company: &'static str, currency: &'static str, color: &'static str| {
            vec![
                ("id", ""),
                ("company_name", company),
                ("contact_name", "Ann"),
                ("contact_email", "ann@x.example"),
                ("contact_phone", "+1 555 0100"),
                ("billing_email", ""),
                ("billing_currency", currency),
                ("billing_type", "prepaid"),
                ("credit_limit", color),
                ("status", "active"),
                ("category_id", ""),
                ("group_id", ""),
                ("notes", ""),
            ]
        };
        let bad = send(
            &app,
            call(
                "/api/save_customer",
                &form("Zed Telecom", "EURO", "ten"),
                Some(&admin),
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(
            bad.body.contains("\"field\":\"billing_currency\"")
                && bad.body.contains("\"field\":\"credit_limit\""),
            "{}",
            bad.body
        );
        let ok = send(
            &app,
            call(
                "/api/save_customer",
                &form("Zed, \"Telecom\"", "gbp", "250.50"),
                Some(&admin),
            ),
        )
        .await;
        assert!(
            ok.status.is_success() || ok.status.is_redirection(),
            "{}",
            ok.body
        );
        let csv = send(&app, get("/admin/customers/export.csv?q=zed", Some(&admin))).await;
        assert_eq!(csv.status, StatusCode::OK);
        let mut lines = csv.body.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("id,company_name,contact_name")
        );
        let row = lines.next().unwrap();
        assert!(
            row.contains("\"Zed, \"\"Telecom\"\"\"") && row.contains(",GBP,prepaid,250.5,active,"),
            "{row}"
        );
        assert!(lines.next().is_none(), "only the matching customer");
        let audit = send(
            &app,
            get(
                "/admin/audit/export.csv?entity=customer&action=create",
                Some(&admin),
            ),
        )
        .await;
        assert!(audit.body.starts_with("id,at,tenant_id,actor,action"));
        assert!(
            audit.body.contains("staff@didtron.example,create,customer"),
            "{}",
            audit.body
        );
        let cats = send(
            &app,
            get("/admin/customer-categories/export.csv", Some(&admin)),
        )
        .await;
        assert!(
            cats.body
                .starts_with("category_id,category,group_id,group,customers"),
            "{}",
            cats.body
        );
        assert!(cats.body.contains(",Wholesale,1,Gold,1,"), "{}", cats.body);
        // A cell a spreadsheet would run as a formula is neutralised.
        let formula = send(
            &app,
            call(
                "/api/save_customer",
                &form("=HYPERLINK(\"http://evil.example\")", "USD", "0"),
                Some(&admin),
            ),
        )
        .await;
        assert!(
            formula.status.is_success() || formula.status.is_redirection(),
            "{}",
            formula.body
        );
        let csv = send(
            &app,
            get("/admin/customers/export.csv?q=hyperlink", Some(&admin)),
        )
        .await;
        assert!(
            csv.body.lines().nth(1).unwrap().contains(",\"'=HYPERLINK("),
            "{}",
            csv.body
        );
        let customer = sign_in(&app, "customer@didtron.example").await;
        assert_eq!(
            send(&app, get("/admin/customers/export.csv", Some(&customer)))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    });
}

#[test]
fn logos_are_uploaded_checked_and_served_per_tenant() {
    run(async {
        let app = router(&[]).await;
        let admin = sign_in(&app, "superadmin@didtron.example").await;
        let upload = |bytes: Vec<u8>| {
            let boundary = "XdidtronX";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .into_bytes();
            body.extend(bytes);
            body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
            Request::post("/admin/tenants/1/logo")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::ORIGIN, ORIGIN)
                .header(header::COOKIE, &admin)
                .body(Body::from(body))
                .unwrap()
        };
        let text = send(&app, upload(b"hello, not an image".to_vec())).await;
        assert_eq!(text.status, StatusCode::SEE_OTHER);
        assert!(
            text.location
                .as_deref()
                .unwrap()
                .contains("logo_error=Logo+is+not+a+PNG"),
            "{:?}",
            text.location
        );
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let mut huge = png.clone();
        huge.resize(3 * 1024 * 1024, 7);
        let big = send(&app, upload(huge)).await;
        assert_eq!(big.status, StatusCode::SEE_OTHER, "{}", big.body);
        assert!(
            big.location.as_deref().unwrap().contains("at+most+2+MB"),
            "{:?}",
            big.location
        );
        png.resize(100, 7);
        let ok = send(&app, upload(png.clone())).await;
        assert!(
            ok.location.as_deref().unwrap().ends_with("logo=saved"),
            "{:?}",
            ok.location
        );
        let served = app
            .clone()
            .oneshot(with_host(
                Request::get("/brand/logo").body(Body::empty()).unwrap(),
                "127.0.0.1",
            ))
            .await
            .unwrap();
        assert_eq!(served.headers()[header::CONTENT_TYPE], "image/png");
        let bytes = served.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(bytes.as_ref(), png.as_slice());
        // The other brand has no logo: it gets the default.
        let other = send(
            &app,
            with_host(
                Request::get("/brand/logo").body(Body::empty()).unwrap(),
                "voicehub.localhost",
            ),
        )
        .await;
        assert_eq!(other.location.as_deref(), Some("/logo.svg"));
    });
}
