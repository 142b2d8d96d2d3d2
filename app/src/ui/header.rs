//! The global header: brand, page search (Ctrl+K), theme switch and user menu.

use crate::features::sessions::api::SignOut;
use crate::features::workspace::dto::ShellState;
use crate::nav;
use crate::ui::icons::{Icon, IconSvg};
use crate::ui::shell::ShellContext;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

stylance::import_crate_style!(style, "src/ui/header.module.css");

/// The header of the shell for the signed-in user `me`.
#[component]
pub fn Header(me: ShellState) -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let portal = ctx.portal;
    let theme = RwSignal::new(me.theme.clone());
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = ctx.set_theme.value().get() {
            apply_theme(&chosen);
            theme.set(chosen);
        }
    });
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class=style::header>
            <ActionForm action=ctx.toggle_submenu>
                <button type="submit" class=style::menu_toggle title="Collapse or expand the menu" aria-label="Collapse or expand the menu">
                    <IconSvg icon=Icon::Chevrons size=16/>
                </button>
            </ActionForm>
            <a href=portal.base_path() class=style::brand>
                <img src=if me.has_logo { "/brand/logo" } else { "/logo.svg" } alt="" width="24" height="24"/>
                <span class=style::brand_name>{me.brand_name.clone()}</span>
                <span class=style::portal>{portal.title()}</span>
            </a>
            <PageSearch role=me.role features=me.features.clone()/>
            <div class=style::spacer></div>
            <div class=style::themes role="group" aria-label="Theme">
                {[("system", Icon::Monitor, "System theme"), ("light", Icon::Sun, "Light theme"), ("dark", Icon::Moon, "Dark theme")]
                    .into_iter()
                    .map(|(value, icon, label)| {
                        view! {
                            <ActionForm action=ctx.set_theme>
                                <input type="hidden" name="theme" value=value/>
                                <button type="submit" class=style::theme_button title=label aria-label=label
                                    aria-pressed=move || (theme.get() == value).to_string()>
                                    <IconSvg icon size=16/>
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
            </div>
            <details class=style::user_menu>
                <summary class=style::user_button aria-label="User menu">
                    <span class=style::avatar aria-hidden="true">{initials(&me.display_name)}</span>
                    <span class=style::user_name>{me.display_name.clone()}</span>
                </summary>
                <div class=style::menu>
                    <p class=style::menu_who>{me.email.clone()}<br/><small>{me.role.label()}</small></p>
                    <a href=format!("{}/profile", portal.base_path()) class=style::menu_item>"My profile"</a>
                    <ActionForm action=sign_out>
                        <button type="submit" class=style::menu_item>"Sign out"</button>
                    </ActionForm>
                </div>
            </details>
        </header>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

/// Sets `data-theme` on the document (the server already did for the first paint).
fn apply_theme(_theme: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", _theme);
    }
}

/// The page search: a GET form to the portal's search page (works without JavaScript); once
/// hydrated, Ctrl+K focuses it and matching pages are listed as you type.
#[component]
fn PageSearch(
    role: domain::access::Role,
    features: Vec<domain::features::Feature>,
) -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let portal = ctx.portal;
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let features = StoredValue::new(features);
    let results = move || {
        nav::search(portal, role, &features.read_value(), &query.get())
            .into_iter()
            .take(8)
            .collect::<Vec<_>>()
    };
    let navigate = use_navigate();

    let _ctrl_k = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            if let Some(el) = input.get() {
                let _ = el.focus();
                el.select();
            }
            open.set(true);
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some((_, page)) = results().into_iter().next() {
            ev.prevent_default();
            open.set(false);
            query.set(String::new());
            navigate(page.path, Default::default());
        }
    };

    view! {
        <form class=style::search role="search" method="get" action=format!("{}/search", portal.base_path()) on:submit=on_submit>
            <IconSvg icon=Icon::Search size=16/>
            <input node_ref=input type="search" name="q" class=style::search_input placeholder="Search pages  (Ctrl+K)"
                aria-label="Search pages" autocomplete="off"
                on:input=move |ev| { query.set(event_target_value(&ev)); open.set(true); }
                on:focus=move |_| open.set(true)
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false); }/>
            <Show when=move || open.get() && !query.get().trim().is_empty()>
                <ul class=style::results role="listbox" aria-label="Matching pages">
                    {move || {
                        let hits = results();
                        if hits.is_empty() {
                            view! { <li class=style::no_result>"No page matches"</li> }.into_any()
                        } else {
                            hits.into_iter()
                                .map(|(section, page)| view! {
                                    <li role="option">
                                        <a href=page.path class=style::result on:click=move |_| open.set(false)>
                                            <span>{page.title}</span>
                                            <small>{section.label}</small>
                                        </a>
                                    </li>
                                })
                                .collect_view()
                                .into_any()
                        }
                    }}
                </ul>
            </Show>
        </form>
    }
}
