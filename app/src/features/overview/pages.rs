//! The dashboard page.

use super::api::get_overview;
use crate::ui::page::{ActivityTable, ErrorPanel};
use crate::ui::shell::ShellContext;
use leptos::prelude::*;
use leptos_meta::Title;

/// The dashboard of every portal: a greeting, platform figures for staff, recent activity.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let overview = Resource::new(|| (), |_| get_overview());
    let title = format!("{} · DIDTron", ctx.portal.title());
    view! {
        <Title text=title/>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <div class="crumbs">{ctx.portal.title()}" portal"</div>
                        <h1>{format!("Welcome, {}", o.display_name)}</h1>
                        {(!o.users_by_role.is_empty()).then(|| view! {
                            <h2>"Users"</h2>
                            <div class="stat-grid">
                                {o.users_by_role.into_iter().map(|(role, n)| view! {
                                    <a class="stat" href=format!("/admin/users?role={}", role.as_str())>
                                        <strong>{n}</strong><span>{role.label()}</span>
                                    </a>
                                }).collect_view()}
                            </div>
                        })}
                        <h2>{if o.role.is_staff() { "Recent activity on the platform" } else { "Your recent activity" }}</h2>
                        <ActivityTable rows=o.activity/>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}
