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
    let title = format!("{}", ctx.portal.title());
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
                        {(!o.customers_by_status.is_empty()).then(|| view! {
                            <h2>"Customers"</h2>
                            <div class="stat-grid">
                                {o.customers_by_status.into_iter().map(|(status, n)| {
                                    let href = format!("/admin/customers?status={status}");
                                    view! {
                                        <a class="stat" href=href>
                                            <strong>{n}</strong><span>{status}</span>
                                        </a>
                                    }
                                }).collect_view()}
                            </div>
                        })}
                        {o.account.map(|a| view! {
                            <h2>"Your account"</h2>
                            <div class="panel">
                                <dl class="facts">
                                    <dt>"Company"</dt><dd>{a.company}</dd>
                                    <dt>"Balance"</dt><dd><a href="/customer/balance">{a.balance}</a></dd>
                                    <dt>"Billing"</dt><dd>{a.billing_type}</dd>
                                    <dt>"Credit limit"</dt><dd>{a.credit_limit}</dd>
                                    <dt>"Status"</dt><dd>{a.status}</dd>
                                </dl>
                            </div>
                        })}
                        {(o.role == domain::access::Role::Customer).then(|| view! {
                            <h2>"Your services"</h2>
                            {if o.features.is_empty() {
                                view! { <p class="empty">"No service is enabled on your account yet: contact your provider's support."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="chips">
                                        {o.features.into_iter().map(|(name, page)| view! {
                                            <li>{match page {
                                                Some(href) => view! { <a href=href>{name}</a> }.into_any(),
                                                None => view! { <span>{name}</span> }.into_any(),
                                            }}</li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        })}
                        <h2>{if o.role.is_staff() { "Recent activity" } else { "Your recent activity" }}</h2>
                        <ActivityTable rows=o.activity/>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}
