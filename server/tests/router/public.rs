//! Issue 6's public rates endpoint through the router: any origin may read it (CORS, with the
//! preflight), a bad number is named, a site without public tiers says so, and look-ups are
//! limited per client.

use super::*;
use axum::http::{HeaderMap, Method};

async fn public(app: &Router, method: Method, path: &str) -> (StatusCode, HeaderMap, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://shop.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let body = String::from_utf8_lossy(&body.collect().await.unwrap().to_bytes()).into_owned();
    (parts.status, parts.headers, body)
}

#[test]
fn public_rates_answer_any_origin_name_bad_numbers_and_are_limited() {
    run(async {
        let app = router(&[("DIDTRON__API__PUBLIC_REQUESTS_PER_MINUTE", "3")]).await;
        let any = |h: &HeaderMap| {
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.to_str().unwrap().to_owned())
        };

        let (status, headers, _) = public(&app, Method::OPTIONS, "/public/v1/rates").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(any(&headers).as_deref(), Some("*"));
        assert!(
            headers[header::ACCESS_CONTROL_ALLOW_METHODS]
                .to_str()
                .unwrap()
                .contains("GET")
        );

        // No tier is public yet: the site says it publishes none (no session, no key needed).
        let (status, headers, body) =
            public(&app, Method::GET, "/public/v1/rates?number=%2B442079460000").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(any(&headers).as_deref(), Some("*"));
        assert!(
            body.contains("publishes no rates on its website yet"),
            "{body}"
        );

        let (status, _, body) = public(&app, Method::GET, "/public/v1/rates?number=call+me").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains(r#""field":"number""#), "{body}");

        // The brand the widget wears, from any origin and outside the look-up limit.
        let (status, headers, body) = public(&app, Method::GET, "/public/v1/brand").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(any(&headers).as_deref(), Some("*"));
        assert_eq!(body, r##"{"brand":"DIDTron","color":"#2563EB"}"##);

        // The third look-up this minute is the last one.
        public(&app, Method::GET, "/public/v1/rates?number=%2B33123456789").await;
        let (status, headers, body) =
            public(&app, Method::GET, "/public/v1/rates?number=%2B33123456789").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(headers.contains_key(header::RETRY_AFTER));
        assert_eq!(any(&headers).as_deref(), Some("*"));
    });
}
