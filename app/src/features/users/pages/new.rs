use crate::features::users::api::CreateUser;
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError};
use domain::access::Role;
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &["email", "display_name", "role", "password"];

/// Super Admin > Users > New user.
#[component]
pub fn NewUserPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let role_error = move || error.get().and_then(|e| e.for_field("role"));
    view! {
        <Title text="New user"/>
        <div class="crumbs"><a href="/admin/users">"Users"</a>" / New"</div>
        <h1>"New user"</h1>
        <nav class="content-tabs" aria-label="Form sections"><a href="" aria-current="page">"General"</a></nav>
        <DockedForm saved=Signal::derive(move || create.version().get())>
            <ActionForm action=create>
                <FormError error fields=FIELDS/>
                <div class="panel">
                    <Field name="email" label="E-mail" kind="email" required=true error help="The sign-in name; stored in lower case."/>
                    <Field name="display_name" label="Name" required=true error/>
                    <div class="field-role">
                        <label for="role"><strong>"Role"</strong></label><br/>
                        <select id="role" name="role" aria-invalid=move || role_error().is_some().to_string()>
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == Role::Customer>{r.label()}</option>
                            }).collect_view()}
                        </select>
                        {move || role_error().map(|m| view! { <p role="alert" class="field-error">{format!("Role {m}")}</p> })}
                    </div>
                    <Field name="password" label="Initial password" kind="password" required=true error
                        autocomplete="new-password" help="At least 10 characters. Share it with the user over a safe channel."/>
                </div>
                <ActionDock save_label="Create user" cancel_href="/admin/users".to_owned() pending=create.pending()/>
            </ActionForm>
        </DockedForm>
    }
}
