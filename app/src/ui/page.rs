//! Building blocks of content pages: content tabs, pager, error panel, activity table.

use crate::error::AppError;
use crate::features::users::dto::ActivityRow;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Content tabs of a form or detail page, as `?tab=` links (so they work without JavaScript and
/// can be bookmarked). `tabs` are (key, label); the first is the default.
#[component]
pub fn ContentTabs(
    tabs: &'static [(&'static str, &'static str)],
    #[prop(into)] current: Signal<String>,
) -> impl IntoView {
    view! {
        <nav class="content-tabs" aria-label="Sections of this page">
            {tabs.iter().map(|(key, label)| {
                let key = *key;
                view! {
                    <a href=format!("?tab={key}") aria-current=move || (current.get() == key).then_some("page")>{*label}</a>
                }
            }).collect_view()}
        </nav>
    }
}

/// "Rows a–b of n" with previous/next links that keep the other query parameters.
#[component]
pub fn Pager(total: u64, page: u64, per_page: u64) -> impl IntoView {
    let query = use_query_map();
    let link = move |to: u64| {
        let mut params: Vec<String> = query
            .get_untracked()
            .into_iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        params.push(format!("page={to}"));
        format!("?{}", params.join("&"))
    };
    let first = (page - 1) * per_page + 1;
    let last = (page * per_page).min(total);
    let pages = total.div_ceil(per_page).max(1);
    view! {
        <div class="pager">
            <span>{format!("{first}–{last} of {total}")}</span>
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"‹ Previous"</a> })}
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Next ›"</a> })}
        </div>
    }
}

/// An error where a page's content would be, with what to do about it.
#[component]
pub fn ErrorPanel(err: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::set_page_status(err.status());
    let hint = match err {
        AppError::NotFound => {
            "It may have been deleted, or the link is wrong. Go back to the list."
        }
        AppError::Forbidden => "Your role does not allow this. Ask your administrator.",
        AppError::Unauthorized(_) => "Sign in again to continue.",
        AppError::Internal { .. } => {
            "Try again; if it keeps failing, give the reference to support."
        }
        _ => "Check the address and try again.",
    };
    view! {
        <div class="panel" role="alert">
            <h2>{err.to_string()}</h2>
            <p>{hint}</p>
        </div>
    }
}

/// A table of audit entries.
#[component]
pub fn ActivityTable(rows: Vec<ActivityRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No activity recorded yet."</p> }.into_any();
    }
    view! {
        <table class="data-table">
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"On"</th><th scope="col">"Changes"</th><th scope="col">"IP"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.at}</td><td>{r.actor}</td><td>{r.action}</td><td>{r.target}</td>
                        <td>{r.changes}</td><td>{r.ip.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// `s` percent-encoded for a query value (RFC 3986 unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `?k=v&...` of the current query with `set` pairs replaced or added and `drop` keys removed
/// (values are percent-encoded); an empty string when nothing is left.
pub fn query_string(
    current: &leptos_router::params::ParamsMap,
    set: &[(&str, &str)],
    drop: &[&str],
) -> String {
    let mut pairs: Vec<String> = current
        .clone()
        .into_iter()
        .filter(|(k, v)| {
            !v.is_empty()
                && !drop.contains(&k.as_ref())
                && !set.iter().any(|(s, _)| *s == k.as_ref())
        })
        .map(|(k, v)| format!("{k}={}", percent_encode(&v)))
        .collect();
    pairs.extend(
        set.iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v))),
    );
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// The base path of the portal an operator page is shown in: `/switch` for the Softswitch
/// portal, `/carrier` for the Carrier portal (its rate deck pages), `/admin` otherwise (carrier,
/// deck, A-Z and routing pages serve several portals).
pub fn operator_base() -> &'static str {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    if path.starts_with("/switch") {
        "/switch"
    } else if path == "/carrier" || path.starts_with("/carrier/") {
        "/carrier"
    } else {
        "/admin"
    }
}
