//! The profile page.

use super::api::ChangePassword;
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::{ContentTabs, ErrorPanel};
use crate::ui::shell::ShellContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];

/// My profile, in every portal: General, Password, Appearance.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let query = use_query_map();
    let tab = Signal::derive(move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "general".to_owned())
    });
    // The shell already holds the user's details (refetched when the theme changes).
    let me = ctx.state;
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    let cancel = format!("{}/profile", ctx.portal.base_path());
    view! {
        <Title text="My profile"/>
        <div class="crumbs">"My account"</div>
        <h1>"My profile"</h1>
        <ContentTabs tabs=&[("general", "General"), ("password", "Password"), ("appearance", "Appearance")] current=tab/>
        <div hidden=move || tab.get() != "general">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(me) => view! {
                            <div class="panel">
                                <dl class="facts">
                                    <dt>"Name"</dt><dd>{me.display_name}</dd>
                                    <dt>"E-mail"</dt><dd>{me.email}</dd>
                                    <dt>"Role"</dt><dd>{me.role.label()}</dd>
                                    <dt>"Portal"</dt><dd>{me.role.portal().title()}</dd>
                                </dl>
                            </div>
                        }.into_any(),
                        Err(err) => view! { <ErrorPanel err/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <div hidden=move || tab.get() != "password">
            <DockedForm saved=Signal::derive(move || change.version().get())>
                <ActionForm action=change>
                    <Show when=done><div class="notice-ok" role="status">"Your password was changed."</div></Show>
                    <FormError error fields=FIELDS/>
                    <div class="panel">
                        <Field name="current_password" label="Current password" kind="password" required=true error autocomplete="current-password"/>
                        <Field name="new_password" label="New password" kind="password" required=true error autocomplete="new-password" help="At least 10 characters."/>
                        <Field name="confirm_password" label="Repeat the new password" kind="password" required=true error autocomplete="new-password"/>
                    </div>
                    <ActionDock save_label="Change password" cancel_href=cancel pending=change.pending()/>
                </ActionForm>
            </DockedForm>
        </div>
        <div hidden=move || tab.get() != "appearance">
            <div class="panel">
                <h2>"Theme"</h2>
                <p>"Choose light, dark, or follow your system. The header's switch does the same; the choice is kept for your account."</p>
                <div class="filters">
                    {[("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")].into_iter().map(|(value, label)| view! {
                        <ActionForm action=ctx.set_theme>
                            <input type="hidden" name="theme" value=value/>
                            <button type="submit" class="btn btn-secondary">{label}</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
            </div>
        </div>
    }
}
