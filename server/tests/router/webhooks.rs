//! Issue 8's Stripe webhook through the router: it takes posts from outside the site (no
//! Origin: its signature authenticates it), answers 401 to a bad signature, 400 to a signed
//! body that is not an event, 200 to an event and to its replay.

use super::*;
use fakes::stripe::{Config, StripeFake};

fn webhook(body: &str, signature: &str) -> Request<Body> {
    Request::post("/webhooks/stripe")
        .header(header::CONTENT_TYPE, "application/json")
        .header("Stripe-Signature", signature)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[test]
fn the_stripe_webhook_checks_signatures_and_replays() {
    run(async {
        let stripe = StripeFake::start(
            Config {
                secret_key: "sk_test_router".into(),
                webhook_secret: "whsec_router".into(),
                webhook_url: None,
            },
            0,
        )
        .await
        .unwrap();
        let app = router(&[
            ("DIDTRON__STRIPE__API_BASE", stripe.base_url.as_str()),
            ("DIDTRON__STRIPE__SECRET_KEY", "sk_test_router"),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", "whsec_router"),
        ])
        .await;
        let event = stripe.event(
            "customer.created",
            serde_json::json!({ "id": "cus_1", "object": "customer" }),
        );
        let forged = fakes::stripe::signature(&event.payload, "whsec_other", chrono_now());
        let reply = send(&app, webhook(&event.payload, &forged)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert!(reply.body.contains("bad signature"), "{}", reply.body);

        let reply = send(&app, webhook(&event.payload, &event.signature)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("ignored"), "{}", reply.body);
        let reply = send(&app, webhook(&event.payload, &event.signature)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("already processed"), "{}", reply.body);

        let junk = "{\"not\":\"an event\"}";
        let signed = fakes::stripe::signature(junk, "whsec_router", chrono_now());
        let reply = send(&app, webhook(junk, &signed)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    });
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
