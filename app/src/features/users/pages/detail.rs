use crate::features::users::api::{ResetUserPassword, SetUserDisabled, get_user};
use crate::features::users::dto::UserDetail;
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::{ActivityTable, ContentTabs, ErrorPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Super Admin > Users > one user, in content tabs: General, Security, Activity.
#[component]
pub fn UserDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tab = move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "general".to_owned())
    };
    let toggle = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let user = Resource::new(
        move || (id(), toggle.version().get(), reset.version().get()),
        |(id, ..)| get_user(id),
    );
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(detail) => view! { <UserView detail tab=Signal::derive(tab) toggle reset/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserView(
    detail: UserDetail,
    tab: Signal<String>,
    toggle: ServerAction<SetUserDisabled>,
    reset: ServerAction<ResetUserPassword>,
) -> impl IntoView {
    let UserDetail {
        user,
        manageable,
        activity,
    } = detail;
    let query = use_query_map();
    let created = move || query.read().get("created").is_some();
    let id = user.id;
    let title = format!("{} · Users", user.email);
    let general = view! {
        <div class="panel">
            <dl class="facts">
                <dt>"E-mail"</dt><dd>{user.email.clone()}</dd>
                <dt>"Name"</dt><dd>{user.display_name.clone()}</dd>
                <dt>"Role"</dt><dd>{user.role.label()}</dd>
                <dt>"Status"</dt><dd>{if user.disabled { "Disabled" } else { "Active" }}</dd>
                <dt>"Created"</dt><dd>{user.created_at.clone()}</dd>
                <dt>"Last sign-in"</dt><dd>{user.last_login_at.clone().unwrap_or_else(|| "never".into())}</dd>
            </dl>
        </div>
    };
    let toggle_error = Signal::derive(move || toggle.value().get().and_then(Result::err));
    let reset_error = Signal::derive(move || reset.value().get().and_then(Result::err));
    let reset_done = move || matches!(reset.value().get(), Some(Ok(())));
    let disabled = user.disabled;
    let security = view! {
        <Show when=move || manageable fallback=|| view! {
            <p class="empty">"You cannot change this account: only the super admin manages staff, and nobody disables their own account."</p>
        }>
            <div class="panel">
                <h2>{if disabled { "Enable the account" } else { "Disable the account" }}</h2>
                <p>{if disabled {
                    "The user can sign in again once enabled."
                } else {
                    "A disabled user is signed out at their next click and cannot sign in until enabled."
                }}</p>
                <FormError error=toggle_error fields=&[]/>
                <ActionForm action=toggle>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="disabled" value=(!disabled).to_string()/>
                    <button type="submit" class=if disabled { "btn btn-primary" } else { "btn btn-danger" }>
                        {if disabled { "Enable user" } else { "Disable user" }}
                    </button>
                </ActionForm>
            </div>
            <h2>"Reset the password"</h2>
            <DockedForm saved=Signal::derive(move || reset.version().get())>
                <ActionForm action=reset>
                    <Show when=reset_done><div class="notice-ok" role="status">"Password changed. Tell the user over a safe channel."</div></Show>
                    <FormError error=reset_error fields=&["password"]/>
                    <input type="hidden" name="id" value=id/>
                    <div class="panel">
                        <Field name="password" label="New password" kind="password" required=true error=reset_error
                            autocomplete="new-password" help="At least 10 characters."/>
                    </div>
                    <ActionDock save_label="Set password" cancel_href="/admin/users".to_owned() pending=reset.pending()/>
                </ActionForm>
            </DockedForm>
        </Show>
    };
    let activity = view! { <ActivityTable rows=activity/> };
    view! {
        <Title text=title/>
        <div class="crumbs"><a href="/admin/users">"Users"</a>" / "{user.email.clone()}</div>
        <h1>{user.display_name.clone()}</h1>
        <Show when=created><div class="notice-ok" role="status">"User created."</div></Show>
        <ContentTabs tabs=&[("general", "General"), ("security", "Security"), ("activity", "Activity")] current=tab/>
        <div hidden=move || tab.get() != "general">{general}</div>
        <div hidden=move || tab.get() != "security">{security}</div>
        <div hidden=move || tab.get() != "activity">{activity}</div>
    }
}
