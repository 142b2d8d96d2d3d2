//! DIDTron's Leptos application: one codebase for every portal, rendered on the server and
//! hydrated in the browser.
#![recursion_limit = "256"]

pub mod error;
pub mod features;
pub mod nav;
pub mod portals;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use features::sessions::pages::{SignInPage, SignUpPage};
use leptos::prelude::*;
use leptos_meta::{Html, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};
use portals::{AdminRoutes, CarrierRoutes, CustomerRoutes, SwitchRoutes};

/// The theme of the page being rendered: the signed-in user's choice (`system` when signed out),
/// so the first paint is already in the right colours. In the browser it keeps what the server
/// rendered.
fn initial_theme() -> String {
    #[cfg(feature = "ssr")]
    if let Some(me) = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<services::users::SignedIn>().cloned())
    {
        return me.user.theme;
    }
    #[cfg(feature = "hydrate")]
    if let Some(theme) = document()
        .document_element()
        .and_then(|html| html.get_attribute("data-theme"))
    {
        return theme;
    }
    "system".to_owned()
}

/// The tenant's colour as token overrides, so the first paint is already in the brand; nothing
/// for the default DIDTron Blue. Colours are stored as validated `#RRGGBB`.
#[cfg(feature = "ssr")]
fn brand_style() -> Option<String> {
    let tenant = use_context::<http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<services::entities::tenants::Model>()
            .cloned()
    })?;
    let color = tenant.primary_color;
    if color.eq_ignore_ascii_case("#2563EB") || !color.starts_with('#') || color.len() != 7 {
        return None;
    }
    let hover = services::tenants::hover_color(&color);
    Some(format!(
        ":root{{--color-accent:{color};--color-accent-hover:{hover};--color-accent-soft:color-mix(in srgb,{color} 18%,var(--color-surface));}}"
    ))
}

/// The brand of the site being served: the tenant's name (from the request's host on the server,
/// from the page's `application-name` meta tag in the browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// The tenant's name, e.g. `DIDTron` or `VoiceHub`.
    pub name: String,
    /// Whether the tenant has its own logo at `/brand/logo`.
    pub has_logo: bool,
}

fn current_brand() -> Brand {
    #[cfg(feature = "ssr")]
    if let Some(t) = use_context::<http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<services::entities::tenants::Model>()
            .cloned()
    }) {
        return Brand {
            has_logo: t.logo_key.is_some(),
            name: t.name,
        };
    }
    #[cfg(feature = "hydrate")]
    if let Some(meta) = document()
        .query_selector("meta[name=application-name]")
        .ok()
        .flatten()
    {
        return Brand {
            name: meta.get_attribute("content").unwrap_or_default(),
            has_logo: meta.get_attribute("data-logo").is_some_and(|v| v == "true"),
        };
    }
    Brand {
        name: "DIDTron".to_owned(),
        has_logo: false,
    }
}

/// Styles for browsers without JavaScript: a form split over content tabs (carrier, customer)
/// shows all its sections at once, named, so that nothing typed is lost to a tab switch (a
/// switch is a page load there).
const NO_SCRIPT_CSS: &str =
    ".form-section[hidden] { display: block; } .form-section-title { display: block; }";

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let brand = brand_style();
    #[cfg(not(feature = "ssr"))]
    let brand: Option<String> = None;
    let name = current_brand();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="application-name" content=name.name data-logo=name.has_logo.to_string()/>
                <link rel="icon" href="/logo.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href="/pkg/didtron.css"/>
                {brand.map(|css| view! { <style id="brand">{css}</style> })}
                <noscript><style>{NO_SCRIPT_CSS}</style></noscript>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: sign-in and the four portals.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let brand = current_brand();
    let site = brand.name.clone();
    provide_context(brand);
    // Effects run only in the browser: this marks the page as hydrated (end-to-end tests wait
    // for it before clicking). Suspense content whose data came with the page hydrates in
    // tasks queued behind this effect, so the mark waits for the next macrotask: by then those
    // tasks (microtasks) have run and the page's forms answer their own submits.
    Effect::new(|_| {
        set_timeout(
            || {
                if let Some(body) = document().body() {
                    let _ = body.set_attribute("data-hydrated", "true");
                }
            },
            std::time::Duration::ZERO,
        );
    });
    view! {
        <Html attr:data-theme=initial_theme()/>
        <Title formatter=move |text: String| if text.is_empty() { site.clone() } else { format!("{text} · {site}") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/docs/api") view=features::docs::ApiReferencePage ssr=SsrMode::Async/>
                <AdminRoutes/>
                <CustomerRoutes/>
                <CarrierRoutes/>
                <SwitchRoutes/>
            </Routes>
        </Router>
    }
}

/// 404.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::set_page_status(404);
    view! {
        <Title text="Not found"/>
        <main class="panel" style="max-width:36rem;margin:15vh auto">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. Check it, or go to "<a href="/login">"your portal"</a>"."</p>
        </main>
    }
}
