//! The sign-in page.

use super::api::SignIn;
use crate::ui::fields::{Field, FormError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

stylance::import_crate_style!(style, "src/features/sessions/sign_in.module.css");

/// `/login`: e-mail and password; after signing in, the user lands in their portal (or on the
/// page they asked for, `?next=`).
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let brand = use_context::<crate::Brand>().unwrap_or(crate::Brand {
        name: "DIDTron".to_owned(),
        has_logo: false,
    });
    view! {
        <Title text="Sign in"/>
        <main class=style::page>
            <div class=style::card>
                <div class=style::brand>
                    <img src=if brand.has_logo { "/brand/logo" } else { "/logo.svg" } alt="" width="36" height="36"/>
                    <span>{brand.name}</span>
                </div>
                <h1 class=style::title>"Sign in"</h1>
                <p class=style::lead>"Wholesale voice, DIDs and softswitch, pay as you go."</p>
                <FormError error fields=&["email", "password"]/>
                <ActionForm action>
                    <input type="hidden" name="next" value=next/>
                    <Field name="email" label="E-mail" kind="email" autocomplete="username" required=true error/>
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error/>
                    <button type="submit" class=format!("btn btn-primary {}", style::submit) disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
