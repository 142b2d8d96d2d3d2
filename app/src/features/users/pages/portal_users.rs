//! The Users tab of a customer's or a carrier's page: who can sign in to its portal, and the
//! form that adds one ([`AddPortalUser`]).

use crate::features::users::api::AddPortalUser;
use crate::features::users::dto::UserRow;
use crate::ui::fields::{Field, FormError};
use leptos::prelude::*;

/// The portal users of `owner` (`customer` or `carrier`) `owner_id`, and the form that adds one;
/// `action` is the page's, so that the page reloads its list when a user is added.
#[component]
pub fn PortalUsers(
    users: Vec<UserRow>,
    owner: &'static str,
    owner_id: i64,
    action: ServerAction<AddPortalUser>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let added = move || matches!(action.value().get(), Some(Ok(_)));
    let who = if owner == "carrier" {
        "carrier"
    } else {
        "customer"
    };
    view! {
        {if users.is_empty() {
            view! { <p class="empty">{format!("No portal user yet: add one below so the {who} can sign in.")}</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="portal-users">
                    <thead><tr><th scope="col">"E-mail"</th><th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Last sign-in"</th></tr></thead>
                    <tbody>
                        {users.into_iter().map(|u| view! {
                            <tr>
                                <td><a href=format!("/admin/users/{}", u.id)>{u.email}</a></td>
                                <td>{u.display_name}</td>
                                <td>{if u.disabled { "Disabled" } else { "Active" }}</td>
                                <td>{u.last_login_at.unwrap_or_else(|| "never".to_owned())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Add a portal user"</h2>
        <ActionForm action=action attr:id="add-portal-user">
            <Show when=added><div class="notice-ok" role="status">"User added. Share the password over a safe channel."</div></Show>
            <FormError error=error fields=&["email", "display_name", "password"]/>
            <input type="hidden" name="owner" value=owner/>
            <input type="hidden" name="owner_id" value=owner_id/>
            <div class="panel">
                <Field name="email" label="E-mail" kind="email" required=true error=error/>
                <Field name="display_name" label="Name" required=true error=error/>
                <Field name="password" label="Initial password" kind="password" required=true error=error autocomplete="new-password" help="At least 10 characters."/>
                <button type="submit" class="btn btn-primary">"Add user"</button>
            </div>
        </ActionForm>
    }
}
