//! The page search's results page (what Ctrl+K's form opens without JavaScript).

use crate::nav;
use crate::ui::shell::ShellContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/{portal}/search?q=`: the pages of the portal whose names or keywords match.
#[component]
pub fn SearchPage() -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <Title text="Search"/>
        <h1>"Search pages"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let me = ctx.state.await.ok();
                let hits = me.map(|m| nav::search(ctx.portal, m.role, &m.features, &q())).unwrap_or_default();
                if hits.is_empty() {
                    view! { <p class="empty">{format!("No page matches “{}”. Try a shorter word, like “users” or “password”.", q())}</p> }.into_any()
                } else {
                    view! {
                        <ul class="panel">
                            {hits.into_iter().map(|(s, p)| view! {
                                <li><a href=p.path>{p.title}</a>" — "{s.label}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
