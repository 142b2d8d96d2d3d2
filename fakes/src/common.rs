//! What every fake does the same way: listening on loopback, answering a repeated idempotency
//! key with the first answer, and delivering webhooks (at once, a moment after an API answer, or
//! kept for the test to deliver when no webhook URL is set).

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// Binds `127.0.0.1:port` (0: any free port) and serves `app` there in the background; returns
/// the base URL, `http://127.0.0.1:<port>`.
///
/// # Errors
/// The port cannot be bound.
pub(crate) async fn serve(port: u16, app: impl FnOnce(String) -> Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let app = app(base_url.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base_url)
}

/// The value of request header `name`, if it is text.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What an earlier request with the same idempotency key means for this one.
pub(crate) enum Replay {
    /// No earlier request: do the work.
    Fresh,
    /// The earlier request's answer, to give again.
    Same(Value),
    /// The earlier request had other parameters.
    Conflict,
}

/// Answers by idempotency key (Stripe's `Idempotency-Key`, PayPal's `PayPal-Request-Id`).
#[derive(Default)]
pub(crate) struct Answers(Mutex<HashMap<String, (String, Value)>>);

impl Answers {
    /// What `key` (if any) says about a request with `body`; `compare`: a different body is a
    /// conflict (else the first answer is given whatever the body).
    pub(crate) fn replay(&self, key: Option<&str>, body: &str, compare: bool) -> Replay {
        let Some(key) = key else {
            return Replay::Fresh;
        };
        match self.0.lock().ok().and_then(|a| a.get(key).cloned()) {
            None => Replay::Fresh,
            Some((before, _)) if compare && before != body => Replay::Conflict,
            Some((_, answer)) => Replay::Same(answer),
        }
    }

    /// Keeps `answer` for `key` (if any) and the request `body`.
    pub(crate) fn keep(&self, key: Option<String>, body: &str, answer: &Value) {
        if let Some(key) = key
            && let Ok(mut answers) = self.0.lock()
        {
            answers.insert(key, (body.to_owned(), answer.clone()));
        }
    }
}

/// A webhook body with its headers, as a provider POSTs it.
pub trait Outgoing: Clone + Send + Sync + 'static {
    /// The raw JSON body.
    fn body(&self) -> &str;
    /// The provider's signature headers.
    fn signed_headers(&self) -> Vec<(String, String)>;
}

/// Where a fake's webhooks go: the configured URL, or a list the test takes them from.
pub(crate) struct Webhooks<T> {
    url: Option<String>,
    pending: Mutex<Vec<T>>,
}

impl<T: Outgoing> Webhooks<T> {
    pub(crate) fn new(url: Option<String>) -> Self {
        Webhooks {
            url,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// POSTs `event` to the webhook URL; returns the HTTP status.
    ///
    /// # Errors
    /// No webhook URL, or it cannot be reached.
    pub(crate) async fn deliver(&self, event: &T) -> anyhow::Result<u16> {
        let url = self
            .url
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no webhook URL configured"))?;
        let mut request = reqwest::Client::new()
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(event.body().to_owned());
        for (k, v) in event.signed_headers() {
            request = request.header(k, v);
        }
        Ok(request.send().await?.status().as_u16())
    }

    /// Delivers `event` 100 ms later, as providers do after answering the API call that caused
    /// it, or keeps it for [`Webhooks::take_pending`] when no webhook URL is set.
    pub(crate) fn send_later(self: &std::sync::Arc<Self>, event: T) {
        if self.url.is_none() {
            if let Ok(mut p) = self.pending.lock() {
                p.push(event);
            }
            return;
        }
        let hooks = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let _ = hooks.deliver(&event).await;
        });
    }

    /// The events kept while no webhook URL was set, oldest first (taken).
    pub(crate) fn take_pending(&self) -> Vec<T> {
        self.pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default()
    }

    /// A test control's answer: delivers `event` now and says what the webhook answered
    /// (`{"event": id, "webhook_status": 200}`), 404 `missing` when there is no event.
    pub(crate) async fn control_reply(
        &self,
        event: Option<T>,
        id: impl Fn(&T) -> String,
        missing: &str,
    ) -> Response {
        let Some(event) = event else {
            return (StatusCode::NOT_FOUND, missing.to_owned()).into_response();
        };
        match self.deliver(&event).await {
            Ok(status) => {
                Json(json!({ "event": id(&event), "webhook_status": status })).into_response()
            }
            Err(e) => (StatusCode::BAD_GATEWAY, format!("webhook: {e}")).into_response(),
        }
    }
}
