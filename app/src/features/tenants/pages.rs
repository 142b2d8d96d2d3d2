use super::api::{AddTenantAdmin, SaveTenant, TenantItem, get_tenant, list_tenants};
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::{ContentTabs, ErrorPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Super Admin > Platform > Tenants.
#[component]
pub fn TenantsPage() -> impl IntoView {
    let tenants = Resource::new(|| (), |_| list_tenants());
    view! {
        <Title text="Tenants"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"Platform"</div>
                <h1>"Tenants"</h1>
            </div>
            <a href="/admin/tenants/new" class="btn btn-primary">"New tenant"</a>
        </div>
        <p class="muted">"Each tenant is a brand on its own domains, with its own users, customers and carriers."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tenants.await {
                    Ok(rows) => view! {
                        <table class="data-table">
                            <thead><tr><th scope="col">"Brand"</th><th scope="col">"Domains"</th><th scope="col">"Colour"</th><th scope="col">"Currency"</th><th scope="col">"Support"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|t| view! {
                                    <tr>
                                        <td><a href=format!("/admin/tenants/{}", t.id)>{t.name}</a><br/><span class="muted">{t.slug}</span></td>
                                        <td>{t.domains.join(", ")}</td>
                                        <td><span class="swatch" style=format!("background:{}", t.primary_color)></span>" "{t.primary_color}</td>
                                        <td>{t.default_currency}</td>
                                        <td>{t.support_email}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

const FIELDS: &[&str] = &[
    "name",
    "slug",
    "domains",
    "primary_color",
    "support_email",
    "default_currency",
];

#[component]
fn TenantForm(tenant: TenantItem) -> impl IntoView {
    let save = ServerAction::<SaveTenant>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let cancel = if tenant.id == 0 {
        "/admin/tenants".to_owned()
    } else {
        format!("/admin/tenants/{}", tenant.id)
    };
    let new = tenant.id == 0;
    // Domains and the short id decide which host serves which brand: the operator's call.
    let locked = !new && !tenant.operator;
    let lock_help = "Only the platform operator changes this.";
    view! {
        <DockedForm saved=Signal::derive(move || save.version().get())>
            <ActionForm action=save>
                <FormError error fields=FIELDS/>
                <input type="hidden" name="id" value=tenant.id/>
                <div class="panel">
                    <Field name="name" label="Brand name" required=true value=tenant.name error help="Shown in the header, page titles and e-mails."/>
                    <Field name="slug" label="Short id" required=true value=tenant.slug error readonly=locked
                        help=if locked { lock_help } else { "Lower-case letters, digits and -." }/>
                    <Field name="domains" label="Domains" required=true value=tenant.domains.join(", ") error readonly=locked
                        help=if locked { lock_help } else { "Host names that serve this brand, separated by commas (e.g. portal.example.com, www.example.com)." }/>
                    <Field name="primary_color" label="Primary colour" required=true value=tenant.primary_color error
                        help="#RRGGBB or a CSS colour name; buttons, links and the active menu use it."/>
                    <Field name="support_email" label="Support e-mail" kind="email" required=true value=tenant.support_email error/>
                    <Field name="default_currency" label="Default currency" required=true value=tenant.default_currency error
                        help="ISO 4217 code for new customers, like USD or EUR."/>
                </div>
                <ActionDock save_label=if new { "Create tenant" } else { "Save tenant" } cancel_href=cancel pending=save.pending()/>
            </ActionForm>
        </DockedForm>
    }
}

/// Super Admin > Platform > Tenants > New tenant.
#[component]
pub fn NewTenantPage() -> impl IntoView {
    let tenant = TenantItem {
        operator: true,
        primary_color: "#2563EB".to_owned(),
        default_currency: "USD".to_owned(),
        ..Default::default()
    };
    view! {
        <Title text="New tenant"/>
        <div class="crumbs"><a href="/admin/tenants">"Tenants"</a>" / New"</div>
        <h1>"New tenant"</h1>
        <TenantForm tenant/>
    }
}

/// Super Admin > Platform > Tenants > one tenant: General and Branding (logo).
#[component]
pub fn TenantDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tab = Signal::derive(move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "general".to_owned())
    });
    let tenant = Resource::new(id, get_tenant);
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tenant.await {
                    Ok(t) => view! { <TenantView tenant=t tab/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TenantView(tenant: TenantItem, tab: Signal<String>) -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let logo_saved = move || query.read().get("logo").is_some();
    let logo_error = move || query.read().get("logo_error");
    let id = tenant.id;
    let name = tenant.name.clone();
    let has_logo = tenant.has_logo;
    let operator = tenant.operator;
    let admins = tenant.admins.clone();
    let add = ServerAction::<AddTenantAdmin>::new();
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let added = move || matches!(add.value().get(), Some(Ok(_)));
    view! {
        <Title text=format!("{name} · Tenants")/>
        <div class="crumbs"><a href="/admin/tenants">"Tenants"</a>" / "{name.clone()}</div>
        <h1>{name.clone()}</h1>
        <Show when=saved><div class="notice-ok" role="status">"Tenant saved."</div></Show>
        <ContentTabs tabs=&[("general", "General"), ("branding", "Branding"), ("admins", "Admins")] current=tab/>
        <div hidden=move || tab.get() != "general"><TenantForm tenant/></div>
        <div hidden=move || tab.get() != "branding">
            <div class="panel">
                <h2>"Logo"</h2>
                <Show when=logo_saved><div class="notice-ok" role="status">"Logo saved."</div></Show>
                {move || logo_error().map(|m| view! { <div class="notice-error" role="alert">{m}</div> })}
                <p>{if has_logo { "The current logo, as customers see it on this brand's domains:" } else { "No logo yet: the DIDTron logo is shown." }}</p>
                {has_logo.then(|| view! { <img class="logo-preview" src=format!("/admin/tenants/{id}/logo-preview") alt=format!("{name} logo")/> })}
                <form method="post" action=format!("/admin/tenants/{id}/logo") enctype="multipart/form-data" class="upload">
                    <label for="logo"><strong>"New logo"</strong></label>
                    <input id="logo" name="logo" type="file" accept="image/png,image/jpeg,image/gif,image/webp" required/>
                    <p class="muted">"PNG, JPEG, GIF or WebP, at most 2 MB; a square image of 64 px or more looks best."</p>
                    <button type="submit" class="btn btn-primary">"Upload logo"</button>
                </form>
            </div>
        </div>
        <div hidden=move || tab.get() != "admins">
            {if admins.is_empty() {
                view! { <p class="empty">"No admin yet: add the brand's first administrator below. They sign in on the brand's domains and manage its users and customers."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table">
                        <thead><tr><th scope="col">"E-mail"</th><th scope="col">"Name"</th></tr></thead>
                        <tbody>{admins.into_iter().map(|(_, email, name)| view! { <tr><td>{email}</td><td>{name}</td></tr> }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            {operator.then(|| view! {
                <h2>"Add an admin"</h2>
                <ActionForm action=add>
                    <Show when=added><div class="notice-ok" role="status">"Admin added: reload to see them in the list. Share the password over a safe channel."</div></Show>
                    <FormError error=add_error fields=&["email", "display_name", "password"]/>
                    <input type="hidden" name="tenant_id" value=id/>
                    <div class="panel">
                        <Field name="email" label="E-mail" kind="email" required=true error=add_error/>
                        <Field name="display_name" label="Name" required=true error=add_error/>
                        <Field name="password" label="Initial password" kind="password" required=true error=add_error autocomplete="new-password" help="At least 10 characters."/>
                        <button type="submit" class="btn btn-primary">"Add admin"</button>
                    </div>
                </ActionForm>
            })}
        </div>
    }
}
