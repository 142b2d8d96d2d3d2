//! DIDTron's embeddable price widget: a visitor of a tenant's own website types a phone number
//! and sees the tenant's public sell rates for it (destination, price per minute in the card's
//! currency, billing increments), in the tenant's brand colour.
//!
//! Built by Trunk from the top-level `Trunk.toml` into `target/widget/`, served by the DIDTron
//! server under `/widget/`. A website embeds it with an element and one script tag:
//!
//! ```html
//! <div data-didtron-rates></div>
//! <script src="https://portal.example.com/widget/embed.js" async></script>
//! ```
//!
//! `embed.js` loads this wasm and sets each element's `data-api` to the portal's origin; the
//! widget then calls `GET {data-api}/public/v1/brand` once and
//! `GET {data-api}/public/v1/rates?number=` per look-up (both CORS-enabled, the look-ups
//! rate-limited per visitor IP). Whatever the element holds is shown until the widget mounts,
//! so a link to the price list there is what visitors without JavaScript see.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::JsCast;

/// The attribute that marks an element for the widget.
const MARKER: &str = "data-didtron-rates";

/// DIDTron Blue, until the tenant's colour arrives.
const DEFAULT_COLOR: &str = "#2563EB";

/// `GET /public/v1/brand`.
#[derive(Debug, Clone, Deserialize)]
struct Brand {
    brand: String,
    color: String,
}

/// One public tier's rate (`PublicRate` of the server).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Rate {
    tier: String,
    prefix: String,
    destination: String,
    rate_per_minute: String,
    currency: String,
    billing: String,
    connection_fee: String,
}

/// `GET /public/v1/rates?number=` when it prices the number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Answer {
    number: String,
    destination: Option<String>,
    country: Option<String>,
    rates: Vec<Rate>,
}

/// The server's error body: `{error, message, fields: [{field, message}]}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    fields: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
struct FieldError {
    message: String,
}

/// What the result area shows.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Nothing,
    Looking,
    Priced(Answer),
    Failed(String),
}

fn main() {
    console_error_panic_hook::set_once();
    let Ok(nodes) = document().query_selector_all(&format!("[{MARKER}]")) else {
        return;
    };
    for i in 0..nodes.length() {
        let Some(element) = nodes
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        // Loaded twice on one page (two script tags): mount once.
        if element.get_attribute("data-didtron-mounted").is_some() {
            continue;
        }
        let _ = element.set_attribute("data-didtron-mounted", "true");
        let api = element
            .get_attribute("data-api")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        element.set_inner_html("");
        leptos::mount::mount_to(element, move || view! { <PriceWidget api/> }).forget();
    }
}

/// The form and its answer; `api` is the portal's origin (empty: this page's).
#[component]
fn PriceWidget(api: String) -> impl IntoView {
    let brand = LocalResource::new({
        let api = api.clone();
        move || fetch_brand(api.clone())
    });
    let color = move || {
        brand
            .get()
            .flatten()
            .map_or_else(|| DEFAULT_COLOR.to_owned(), |b| b.color)
    };
    let title = move || {
        brand.get().flatten().map_or_else(
            || "Call rates".to_owned(),
            |b| format!("{} call rates", b.brand),
        )
    };
    let number = RwSignal::new(String::new());
    let shown = RwSignal::new(Shown::Nothing);
    // Only the latest look-up may fill the result area.
    let asked = StoredValue::new(0_u64);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = number.get_untracked();
        if typed.trim().is_empty() {
            shown.set(Shown::Failed(
                "Type a number in international format, like +44 20 7946 0000.".to_owned(),
            ));
            return;
        }
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        shown.set(Shown::Looking);
        let api = api.clone();
        spawn_local(async move {
            let result = look_up(&api, typed.trim()).await;
            if asked.get_value() == this {
                shown.set(result);
            }
        });
    };
    view! {
        <form class="didtron-rates" style=move || format!("--didtron-accent: {}", color()) on:submit=on_submit>
            <p class="didtron-rates__title">{title}</p>
            <div class="didtron-rates__ask">
                <label class="didtron-rates__label">
                    <span>"Number"</span>
                    <input type="tel" name="number" autocomplete="off" placeholder="+44 20 7946 0000"
                        prop:value=move || number.get()
                        on:input=move |ev| number.set(event_target_value(&ev))/>
                </label>
                <button type="submit" disabled=move || shown.get() == Shown::Looking>"Check price"</button>
            </div>
            <div class="didtron-rates__result" aria-live="polite">
                {move || match shown.get() {
                    Shown::Nothing => ().into_any(),
                    Shown::Looking => view! { <p class="didtron-rates__muted">"Looking up…"</p> }.into_any(),
                    Shown::Failed(message) => view! { <p class="didtron-rates__error" role="alert">{message}</p> }.into_any(),
                    Shown::Priced(answer) => view! { <Priced answer/> }.into_any(),
                }}
            </div>
        </form>
    }
}

/// The rates of one number: its destination, then one row per public tier.
#[component]
fn Priced(answer: Answer) -> impl IntoView {
    let first = answer.rates.first().map(|r| r.destination.clone());
    let destination = answer
        .destination
        .clone()
        .or(first)
        .unwrap_or_else(|| "Unnamed destination".to_owned());
    let country = answer
        .country
        .clone()
        .filter(|c| !destination.contains(c.as_str()));
    view! {
        <p class="didtron-rates__destination">
            <strong>{destination}</strong>
            {country.map(|c| format!(", {c}"))}
            <span class="didtron-rates__muted">{format!(" · +{}", answer.number)}</span>
        </p>
        <table class="didtron-rates__table">
            <thead><tr><th scope="col">"Quality"</th><th scope="col">"Per minute"</th><th scope="col">"Billing"</th></tr></thead>
            <tbody>
                {answer.rates.into_iter().map(|r| {
                    let fee = (!is_zero(&r.connection_fee))
                        .then(|| format!(", plus {} {} per answered call", r.connection_fee, r.currency));
                    view! {
                        <tr title=format!("prefix {}", r.prefix)>
                            <td>{r.tier}</td>
                            <td class="didtron-rates__price">{format!("{} {}", r.rate_per_minute, r.currency)}</td>
                            <td>{r.billing}{fee}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Whether an exact decimal text is zero (`0`, `0.0000`).
fn is_zero(text: &str) -> bool {
    text.chars().all(|c| c == '0' || c == '.')
}

/// The tenant's name and colour; `None` when the portal cannot be reached (the widget then
/// keeps its neutral title and DIDTron Blue).
async fn fetch_brand(api: String) -> Option<Brand> {
    let response = gloo_net::http::Request::get(&format!("{api}/public/v1/brand"))
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    response
        .json::<Brand>()
        .await
        .ok()
        .filter(|b| is_hex_color(&b.color))
}

/// `#RRGGBB`: the only colour text the widget puts into its style.
fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Asks the portal for the public rates of `number`.
async fn look_up(api: &str, number: &str) -> Shown {
    let sent = gloo_net::http::Request::get(&format!("{api}/public/v1/rates"))
        .query([("number", number)])
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(_) => {
            return Shown::Failed(
                "The price list cannot be reached just now; try again in a moment.".to_owned(),
            );
        }
    };
    if response.ok() {
        return match response.json::<Answer>().await {
            Ok(answer) => Shown::Priced(answer),
            Err(_) => Shown::Failed(
                "The price list answered in a way this page does not understand; reload the page."
                    .to_owned(),
            ),
        };
    }
    if response.status() == 429 {
        let wait = response
            .headers()
            .get("retry-after")
            .unwrap_or_else(|| "60".to_owned());
        return Shown::Failed(format!(
            "Too many look-ups from your network; try again in {wait} s."
        ));
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Shown::Failed(
            body.fields
                .into_iter()
                .next()
                .map_or(body.message, |f| f.message),
        ),
        Err(_) => Shown::Failed(format!(
            "The price list could not answer (HTTP {}); try again later.",
            response.status()
        )),
    }
}
