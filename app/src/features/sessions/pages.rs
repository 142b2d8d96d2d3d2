//! The sign-in and sign-up pages.

use super::api::{SignIn, SignUp};
use crate::ui::fields::{Field, FormError, SelectField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

stylance::import_crate_style!(style, "src/features/sessions/sign_in.module.css");

/// The card of the sign-in and sign-up pages: the tenant's brand, a title and a lead, then the
/// form; the page's `<title>` is the title.
#[component]
fn AuthCard(title: &'static str, lead: &'static str, children: Children) -> impl IntoView {
    let brand = use_context::<crate::Brand>().unwrap_or(crate::Brand {
        name: "DIDTron".to_owned(),
        has_logo: false,
    });
    view! {
        <Title text=title/>
        <main class=style::page>
            <div class=style::card>
                <div class=style::brand>
                    <img src=if brand.has_logo { "/brand/logo" } else { "/logo.svg" } alt="" width="36" height="36"/>
                    <span>{brand.name}</span>
                </div>
                <h1 class=style::title>{title}</h1>
                <p class=style::lead>{lead}</p>
                {children()}
            </div>
        </main>
    }
}

/// `/login`: e-mail and password; after signing in, the user lands in their portal (or on the
/// page they asked for, `?next=`).
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <AuthCard title="Sign in" lead="Wholesale voice, DIDs and softswitch, pay as you go.">
                <FormError error fields=&["email", "password"]/>
                <ActionForm action>
                    <input type="hidden" name="next" value=next/>
                    <Field name="email" label="E-mail" kind="email" autocomplete="username" required=true error/>
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error/>
                    <button type="submit" class=format!("btn btn-primary {}", style::submit) disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class=style::lead>"New here? "<a href="/signup">"Create an account"</a>" and pay as you go."</p>
        </AuthCard>
    }
}

/// Billing currencies offered on the sign-up form (ISO 4217).
const CURRENCIES: [&str; 8] = ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "ZAR"];

const SIGN_UP_FIELDS: &[&str] = &[
    "company_name",
    "display_name",
    "email",
    "password",
    "billing_currency",
    "referral_code",
];

/// `/signup`: a company opens a prepaid account (with a customer's referral code from its
/// link, `?ref=`), is signed in and lands on the Top up page.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let query = use_query_map();
    let code = query.read_untracked().get("ref").unwrap_or_default();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <AuthCard title="Create an account" lead="Prepaid wholesale voice and DIDs: no subscription, top up and call.">
                <FormError error fields=SIGN_UP_FIELDS/>
                <ActionForm action attr:id="sign-up">
                    <Field name="company_name" label="Company" autocomplete="organization" required=true error/>
                    <Field name="display_name" label="Your name" autocomplete="name" required=true error/>
                    <Field name="email" label="E-mail" kind="email" autocomplete="email" required=true error help="You sign in with it; invoices go to it."/>
                    <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true error help="At least 10 characters."/>
                    <SelectField name="billing_currency" label="Billing currency" options=CURRENCIES.iter().map(|c| ((*c).to_owned(), (*c).to_owned())).collect() selected="USD" error help="Your balance and invoices are in it; it cannot change once you have paid."/>
                    <Field name="referral_code" label="Referral code" value=code error help="From the link a customer gave you; optional."/>
                    <button type="submit" class=format!("btn btn-primary {}", style::submit) disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                    </button>
                </ActionForm>
                <p class=style::lead>"Already have an account? "<a href="/login">"Sign in"</a></p>
        </AuthCard>
    }
}
