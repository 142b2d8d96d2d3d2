//! Issue 7's CDR API through the router: only a key with `cdrs:write` of a switch operator may
//! send CDRs; a body that is not a batch is named in the API's error shape; a batch answers each
//! CDR's outcome, and the same batch sent again changes nothing.

use super::tenants::json;
use super::*;

fn post_json(path: &str, token: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[test]
fn the_cdr_api_takes_batches_from_switch_keys_and_names_bad_bodies() {
    run(async {
        let app = router(&[]).await;
        let switch = sign_in(&app, "switch@didtron.example").await;
        let key = |scope: &'static str| {
            let app = app.clone();
            let switch = switch.clone();
            async move {
                let created = send(
                    &app,
                    call(
                        "/api/create_api_key",
                        &[("name", scope), ("scopes[0]", scope)],
                        Some(&switch),
                    ),
                )
                .await;
                assert_eq!(created.status, StatusCode::OK, "{}", created.body);
                json(&created)["token"].as_str().unwrap().to_owned()
            }
        };
        let reader = key("routes:read").await;
        let writer = key("cdrs:write").await;
        let batch = r#"{"cdrs": [
            {"call_id": "a1", "start": "2026-11-30T10:00:00Z", "answer": "2026-11-30T10:00:02Z",
             "end": "2026-11-30T10:01:02Z", "b_number": "+44 20 7946 0000",
             "carrier": "Nobody", "customer": 1, "tier": "Standard"},
            {"call_id": "a2", "start": "soon", "b_number": "+44 20 7946 0000",
             "carrier": 1, "customer": 1, "tier": "Standard"}
        ]}"#;

        let refused = send(&app, post_json("/api/v1/cdrs", &reader, batch)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("cdrs:write"), "{}", refused.body);

        let bad = send(
            &app,
            post_json("/api/v1/cdrs", &writer, r#"{"cdrs": [{"call_id": "x"}]}"#),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let body = json(&bad);
        assert_eq!(body["fields"][0]["field"], "cdrs");
        assert!(
            body["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("missing field `start`"),
            "{}",
            bad.body
        );

        let done = send(&app, post_json("/api/v1/cdrs", &writer, batch)).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let report = json(&done);
        assert_eq!(report["received"], 2);
        assert_eq!(report["unrated"], 1);
        assert_eq!(report["refused"], 1);
        assert_eq!(
            report["outcomes"][0]["reason"],
            "no carrier `Nobody` in this tenant"
        );
        assert_eq!(
            report["outcomes"][1]["reason"],
            "start: `soon` is not a time like 2026-11-30T10:00:00Z"
        );
        let again = json(&send(&app, post_json("/api/v1/cdrs", &writer, batch)).await);
        assert_eq!(again["duplicates"], 1);
        assert_eq!(again["outcomes"][0]["reason"], "stored before: unrated");

        // The OpenAPI document describes the endpoint.
        let doc = send(&app, get("/api/v1/openapi.json", None)).await;
        assert!(doc.body.contains("/api/v1/cdrs"), "{}", doc.body);
        assert!(doc.body.contains("IngestReport"), "{}", doc.body);
    });
}
