//! Issue 3 through the router: hosts and brands, the feature guard, the REST API with keys,
//! exports and logo uploads.

use super::*;

fn with_host(mut req: Request<Body>, host: &str) -> Request<Body> {
    req.headers_mut()
        .insert(header::HOST, host.parse().unwrap());
    req
}

pub(super) fn bearer(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// The JSON body of a server function's `Ok` value.
pub(super) fn json(reply: &Reply) -> serde_json::Value {
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
