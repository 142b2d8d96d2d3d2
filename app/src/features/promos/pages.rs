//! Super Admin > Customers > Promo codes.

use super::api::{CreatePromoCode, PromosPage, SetPromoCodeActive, promo_codes_data};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

const FIELDS: &[&str] = &[
    "code",
    "kind",
    "value",
    "currency",
    "min_top_up",
    "max_bonus",
    "max_uses",
    "max_uses_per_customer",
    "valid_from",
    "valid_to",
    "category_id",
];

/// The promo codes with their use, the form that creates one, and on/off buttons.
#[component]
pub fn PromoCodesPage() -> impl IntoView {
    let create = ServerAction::<CreatePromoCode>::new();
    let toggle = ServerAction::<SetPromoCodeActive>::new();
    let changed = Memo::new(move |before: Option<&(usize, usize)>| {
        let (mut c, mut t) = before.copied().unwrap_or_default();
        if matches!(create.value().get(), Some(Ok(_))) {
            c = create.version().get();
        }
        if matches!(toggle.value().get(), Some(Ok(_))) {
            t = toggle.version().get();
        }
        (c, t)
    });
    let data = Resource::new(move || changed.get(), |_| promo_codes_data());
    view! {
        <Title text="Promo codes"/>
        <div class="page-head"><h1>"Promo codes"</h1></div>
        <p class="muted">"A code adds bonus credit to a customer's top-up: a percentage or a fixed amount, credited with the top-up once it is paid. Its amounts are in its currency and it applies to customers billed in it."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <PromosView data create toggle/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PromosView(
    data: PromosPage,
    create: ServerAction<CreatePromoCode>,
    toggle: ServerAction<SetPromoCodeActive>,
) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let done = move || create.value().get().and_then(Result::ok);
    let toggled = move || toggle.value().get().and_then(Result::ok);
    let none_yet = data.codes.is_empty();
    let mut categories = vec![(String::new(), "Every customer".to_owned())];
    categories.extend(data.categories);
    view! {
        {move || done().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        {move || toggled().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        <details class="panel" open=move || error.get().is_some() || none_yet>
            <summary><strong>"New promo code"</strong></summary>
            <ActionForm action=create attr:id="promo-form">
                <FormError error fields=FIELDS/>
                <div class="form-row">
                    <Field name="code" label="Code" required=true error help="Letters, digits, - or _, like WELCOME10."/>
                    <Field name="description" label="Description" error help="For you and the customer, e.g. Welcome bonus."/>
                    <SelectField name="kind" label="Bonus" options=vec![("percent".into(), "Percentage of the top-up".into()), ("fixed".into(), "Fixed amount".into())] selected="percent" error/>
                    <Field name="value" label="Percentage or amount" required=true error help="10 for 10 %, or 5.00 for a fixed bonus."/>
                    <Field name="currency" label="Currency" value="USD" required=true error help="The code's amounts are in it; it applies to customers billed in it."/>
                    <Field name="min_top_up" label="Minimum top-up" error help="Empty: any top-up."/>
                    <Field name="max_bonus" label="Largest bonus" error help="Empty: no cap."/>
                    <Field name="max_uses" label="Uses in all" error help="Empty: no limit."/>
                    <Field name="max_uses_per_customer" label="Uses per customer" error help="Empty: no limit."/>
                    <Field name="valid_from" label="First day" kind="date" error help="UTC; empty: from now."/>
                    <Field name="valid_to" label="Last day" kind="date" error help="UTC, included; empty: no end."/>
                    <SelectField name="category_id" label="Customer category" options=categories error/>
                </div>
                <button type="submit" class="btn btn-primary">"Create code"</button>
            </ActionForm>
        </details>
        {if data.codes.is_empty() {
            view! { <p class="empty">"No promo code yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll"><table class="data-table" id="promo-codes">
                    <thead><tr>
                        <th scope="col">"Code"</th><th scope="col">"Bonus"</th><th scope="col">"Minimum"</th>
                        <th scope="col">"Valid"</th><th scope="col" class="num">"Uses"</th><th scope="col" class="num">"Per customer"</th>
                        <th scope="col">"Category"</th><th scope="col" class="num">"Bonus given"</th><th scope="col">"State"</th>
                    </tr></thead>
                    <tbody>
                        {data.codes.into_iter().map(|p| view! {
                            <tr>
                                <td><strong>{p.code.clone()}</strong>{(!p.description.is_empty()).then(|| view! { <br/><span class="muted">{p.description.clone()}</span> })}</td>
                                <td>{p.reward}</td><td>{p.min_top_up}</td><td>{p.validity}</td>
                                <td class="num">{p.uses}</td><td class="num">{p.per_customer}</td>
                                <td>{p.category}</td><td class="num">{p.bonus}</td>
                                <td>
                                    <ActionForm action=toggle attr:class="inline">
                                        <input type="hidden" name="id" value=p.id/>
                                        <input type="hidden" name="active" value=(!p.active).to_string()/>
                                        <span class=if p.active { "badge badge-ok" } else { "badge badge-off" }>{if p.active { "on" } else { "off" }}</span>" "
                                        <button type="submit" class="btn btn-secondary btn-small"
                                            aria-label=if p.active { format!("Turn {} off", p.code) } else { format!("Turn {} on", p.code) }>
                                            {if p.active { "Turn off" } else { "Turn on" }}
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        }}
    }
}
