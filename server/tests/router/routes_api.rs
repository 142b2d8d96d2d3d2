//! Issue 6's LCR API through the router: which keys may look routes up, its own rate limit, and
//! bad fields named.

use super::tenants::{bearer, json};
use super::*;
use sea_orm::EntityTrait;

#[test]
fn the_routes_api_is_for_switch_keys_and_names_bad_fields() {
    run(async {
        // Two ordinary requests per key and minute: route look-ups are counted apart.
        let app = router(&[("DIDTRON__API__REQUESTS_PER_MINUTE", "2")]).await;
        // A customer's key may not carry routes:read.
        let customer = sign_in(&app, "customer@didtron.example").await;
        let refused = send(
            &app,
            call(
                "/api/create_api_key",
                &[("name", "switch"), ("scopes[0]", "routes:read")],
                Some(&customer),
            ),
        )
        .await;
        assert!(
            refused.body.contains("not available to your role"),
            "{}",
            refused.body
        );

        let switch = sign_in(&app, "switch@didtron.example").await;
        let keys = send(&app, get("/switch/api-keys", Some(&switch))).await;
        assert_eq!(keys.status, StatusCode::OK, "{}", keys.body);
        assert!(keys.body.contains("routes:read"), "{}", keys.body);
        assert!(
            !keys.body.contains("customers:read"),
            "staff scopes are not offered"
        );
        let created = send(
            &app,
            call(
                "/api/create_api_key",
                &[("name", "Kamailio"), ("scopes[0]", "routes:read")],
                Some(&switch),
            ),
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let token = json(&created)["token"].as_str().unwrap().to_owned();

        // No tiers yet: the message says how to get them.
        let none = send(
            &app,
            bearer("/api/v1/routes?number=%2B442079460000", &token),
        )
        .await;
        assert_eq!(
            none.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            none.body
        );
        assert!(none.body.contains("no tiers yet"), "{}", none.body);
        let tiers = send(&app, get("/switch/routing", Some(&switch))).await;
        assert!(tiers.body.contains("Economy"), "{}", tiers.body);
        // The cache catches up with the new tiers within a second or so.
        let mut answer = None;
        for _ in 0..50 {
            let r = send(
                &app,
                bearer(
                    "/api/v1/routes?number=%2B44%2020%207946%200000&tier=standard",
                    &token,
                ),
            )
            .await;
            if r.status == StatusCode::OK {
                answer = Some(r);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let answer = serde_json::from_str::<serde_json::Value>(&answer.expect("200").body).unwrap();
        assert_eq!(answer["number"], "442079460000");
        assert_eq!(answer["tier"]["name"], "Standard");
        assert_eq!(answer["destination"]["region"], "GB");
        // The demo carriers have no deck yet: nothing to route.
        assert_eq!(answer["routes"], serde_json::json!([]));
        assert_eq!(
            answer["failover"]["stop_on"],
            serde_json::json!([404, 480, 486, 603])
        );

        let bad = send(
            &app,
            bearer("/api/v1/routes?number=12ab&tier=Standard", &token),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("\"field\":\"number\""), "{}", bad.body);
        let bad = send(
            &app,
            bearer("/api/v1/routes?number=442079460000&tier=Gold", &token),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body
                .contains("the tiers are Economy, Premium, Standard"),
            "{}",
            bad.body
        );
        let bad = send(
            &app,
            bearer(
                "/api/v1/routes?number=442079460000&tier=Standard&customer=999999",
                &token,
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("\"field\":\"customer\""), "{}", bad.body);
        let doc = send(&app, get("/api/v1/openapi.json", None)).await;
        assert!(doc.body.contains("/api/v1/routes"), "{}", doc.body);
        // The look-ups above did not use up the key's two ordinary requests.
        for expected in [
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::TOO_MANY_REQUESTS,
        ] {
            let r = send(&app, bearer("/api/v1/account", &token)).await;
            assert_eq!(r.status, expected, "{}", r.body);
        }
    });
}

#[test]
fn the_routes_api_refuses_a_customer_with_nothing_left_to_spend() {
    run(async {
        let (app, svc) = router_and_services(&[]).await;
        let switch = sign_in(&app, "switch@didtron.example").await;
        let created = send(
            &app,
            call(
                "/api/create_api_key",
                &[("name", "Kamailio"), ("scopes[0]", "routes:read")],
                Some(&switch),
            ),
        )
        .await;
        let token = json(&created)["token"].as_str().unwrap().to_owned();
        let acme = services::entities::customers::Entity::find()
            .one(&svc.db)
            .await
            .unwrap()
            .unwrap();
        let url = format!(
            "/api/v1/routes?number=442079460000&tier=Standard&customer={}",
            acme.id
        );
        // 250.00 with a credit limit of 100.00: the call is routed (no tiers yet here, so the
        // tier is what is wrong, not the money).
        let r = send(&app, bearer(&url, &token)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("\"field\":\"tier\""), "{}", r.body);
        // Charged down to -100.00, the whole credit limit: new calls are refused with 402.
        services::ledger::post(
            &svc.db,
            acme.tenant_id,
            "system",
            services::ledger::Posting {
                customer_id: acme.id,
                kind: domain::ledger::EntryKind::CallCharge,
                amount_micros: -350_000_000,
                idempotency_key: "cdr:long-call".into(),
                description: "a long call".into(),
                reference: String::new(),
                fx: None,
            },
            None,
        )
        .await
        .unwrap();
        let r = send(&app, bearer(&url, &token)).await;
        assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.body);
        let body = json(&r);
        assert_eq!(body["error"], "payment_required");
        assert_eq!(
            body["message"],
            "Acme Telecom Ltd's balance is -100.00 USD and its credit limit 100.00 USD: new calls are refused until it tops up"
        );
        // Without a customer, the lookup is not about money.
        let r = send(
            &app,
            bearer("/api/v1/routes?number=442079460000&tier=Standard", &token),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    });
}
