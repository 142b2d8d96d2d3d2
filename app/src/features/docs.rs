//! Public documentation pages: the REST API reference, rendered from the OpenAPI document the
//! server publishes at `/api/v1/openapi.json`.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// One operation of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// `GET`, `POST` ...
    pub method: String,
    /// e.g. `/api/v1/account`.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// (name, where, required, description) of its parameters.
    pub params: Vec<(String, String, bool, String)>,
    /// (status, description) of its responses.
    pub responses: Vec<(String, String)>,
}

/// The API's title, description and operations, from the OpenAPI document.
///
/// # Errors
/// `Internal` when the server did not provide the document (a bug).
#[server(endpoint = "get_api_reference")]
pub async fn get_api_reference() -> Result<(String, String, Vec<Endpoint>), AppError> {
    let doc = use_context::<crate::ssr::ApiReference>()
        .ok_or_else(|| crate::ssr::fail(AppError::NotFound))?
        .0;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut endpoints = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let summary = op["summary"]
                    .as_str()
                    .or(op["description"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        (
                            text(&p["name"]),
                            text(&p["in"]),
                            p["required"].as_bool().unwrap_or(false),
                            text(&p["description"]),
                        )
                    })
                    .collect();
                let responses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| (status.clone(), text(&r["description"])))
                    .collect();
                endpoints.push(Endpoint {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary,
                    params,
                    responses,
                });
            }
        }
    }
    Ok((
        text(&doc["info"]["title"]),
        text(&doc["info"]["description"]),
        endpoints,
    ))
}

/// `/docs/api`: the REST API reference (public).
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <Title text="API reference"/>
        <main class="docs">
            <p><a href="/">"← Portal"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok((title, description, endpoints)) => view! {
                            <h1>{title}</h1>
                            <p>{description}</p>
                            <p>"Machine-readable: "<a href="/api/v1/openapi.json"><code>"/api/v1/openapi.json"</code></a>" (OpenAPI 3.1). Create keys under My account > API keys."</p>
                            <pre class="example">"curl -H \"Authorization: Bearer dtk_…\" https://your-portal.example/api/v1/account"</pre>
                            {endpoints.into_iter().map(|e| view! {
                                <section class="endpoint panel">
                                    <h2><span class="method">{e.method}</span>" "<code>{e.path}</code></h2>
                                    <p>{e.summary}</p>
                                    {(!e.params.is_empty()).then(|| view! {
                                        <h3>"Parameters"</h3>
                                        <table class="data-table">
                                            <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Required"</th><th scope="col">"Description"</th></tr></thead>
                                            <tbody>{e.params.into_iter().map(|(n, i, r, d)| view! {
                                                <tr><td><code>{n}</code></td><td>{i}</td><td>{if r { "yes" } else { "no" }}</td><td>{d}</td></tr>
                                            }).collect_view()}</tbody>
                                        </table>
                                    })}
                                    <h3>"Responses"</h3>
                                    <table class="data-table">
                                        <tbody>{e.responses.into_iter().map(|(s, d)| view! { <tr><td><code>{s}</code></td><td>{d}</td></tr> }).collect_view()}</tbody>
                                    </table>
                                </section>
                            }).collect_view()}
                        }.into_any(),
                        Err(err) => view! { <crate::ui::page::ErrorPanel err/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
