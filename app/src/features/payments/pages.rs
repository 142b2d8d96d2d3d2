//! Customer portal > Billing > Top up, and Super Admin > Customers > Payments.

use super::api::{PaymentRow, PaymentsPage, StartTopUp, payments_data};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::{ErrorPanel, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The payments data of the page's `page` query parameter.
fn payments_resource() -> Resource<Result<PaymentsPage, crate::error::AppError>> {
    let query = use_query_map();
    Resource::new(
        move || query.read().get("page").and_then(|p| p.parse::<u64>().ok()),
        payments_data,
    )
}

/// Customer portal > Billing > Top up: the amount and method, then the provider's payment page;
/// below, the customer's payments and their states.
#[component]
pub fn TopUpPage() -> impl IntoView {
    let data = payments_resource();
    let start = ServerAction::<StartTopUp>::new();
    view! {
        <Title text="Top up"/>
        <div class="page-head"><h1>"Top up"</h1></div>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <TopUpView data start/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TopUpView(data: PaymentsPage, start: ServerAction<StartTopUp>) -> impl IntoView {
    let query = use_query_map();
    let paid = query.read_untracked().get("paid");
    let cancelled = query.read_untracked().get("cancelled");
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let PaymentsPage {
        currency,
        balance,
        min,
        max,
        methods,
        form_token,
        payments,
        total,
        page,
        per_page,
    } = data;
    let usable: Vec<_> = methods.iter().filter(|m| m.configured).cloned().collect();
    let missing: Vec<_> = methods.iter().filter(|m| !m.configured).cloned().collect();
    let status_of = |id: &str| {
        payments
            .iter()
            .find(|p| p.id.to_string() == id)
            .map(|p| p.status.clone())
    };
    let paid_notice = paid.map(|id| match status_of(&id).as_deref() {
        Some("paid") => view! { <div class="notice-ok" role="status">{format!("Payment {id} is paid and credited to your balance.")}</div> }.into_any(),
        _ => view! { <div class="notice-ok" role="status">{format!("Thank you: payment {id} is being confirmed by the provider. Your balance is credited as soon as it is (usually within seconds); reload to see it.")}</div> }.into_any(),
    });
    let cancelled_notice = cancelled.map(|id| view! {
        <div class="notice-warn" role="status">{format!("Payment {id} was cancelled: nothing was charged.")}</div>
    });
    view! {
        {paid_notice}
        {cancelled_notice}
        <div class="stat-grid money">
            <div class="stat"><strong>{balance}</strong><span>"Balance"</span></div>
        </div>
        {missing.into_iter().map(|m| view! {
            <div class="notice-warn" role="status">{format!("{} is not configured on this platform: ask your provider to set it up.", m.label)}</div>
        }).collect_view()}
        {if usable.is_empty() {
            view! { <p class="empty">"No payment method is available yet. Your provider can still credit bank transfers by hand."</p> }.into_any()
        } else {
            view! {
                <ActionForm action=start attr:id="top-up" attr:class="panel">
                    <FormError error fields=&["amount", "provider", "token"]/>
                    <input type="hidden" name="token" value=form_token/>
                    <Field name="amount" label="Amount" required=true error
                        help="In your billing currency, like 50 or 25.50."/>
                    <p class="muted">{format!("From {min} to {max}; your balance is in {currency}.")}</p>
                    <fieldset class="choices">
                        <legend>"Pay with"</legend>
                        {usable.into_iter().enumerate().map(|(i, m)| view! {
                            <label><input type="radio" name="provider" value=m.key checked=i == 0/>" "{m.label}</label>
                        }).collect_view()}
                    </fieldset>
                    {move || error.get().and_then(|e| e.for_field("provider")).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    <button type="submit" class="btn btn-primary">"Continue to payment"</button>
                    <p class="muted">"You pay on the provider's secure page; the balance is credited once the provider confirms the payment."</p>
                </ActionForm>
            }.into_any()
        }}
        <h2>"Your payments"</h2>
        <PaymentsTable payments total page per_page staff=false/>
    }
}

/// Super Admin > Customers > Payments: every top-up of the tenant with its state.
#[component]
pub fn PaymentsPageView() -> impl IntoView {
    let data = payments_resource();
    view! {
        <Title text="Payments"/>
        <div class="page-head"><h1>"Payments"</h1></div>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        {d.methods.iter().filter(|m| !m.configured).map(|m| view! {
                            <div class="notice-warn" role="status">{format!("{} is not configured: set its keys in the settings (docs/operations.md) to take top-ups.", m.label)}</div>
                        }).collect_view()}
                        <PaymentsTable payments=d.payments total=d.total page=d.page per_page=d.per_page staff=true/>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PaymentsTable(
    payments: Vec<PaymentRow>,
    total: u64,
    page: u64,
    per_page: u64,
    staff: bool,
) -> impl IntoView {
    if payments.is_empty() {
        return view! { <p class="empty">"No payment yet."</p> }.into_any();
    }
    view! {
        <table class="data-table" id="payments">
            <thead><tr>
                <th scope="col">"Payment"</th><th scope="col">"When"</th>
                {staff.then(|| view! { <th scope="col">"Customer"</th> })}
                <th scope="col">"Method"</th><th scope="col" class="num">"Amount"</th>
                <th scope="col" class="num">"Refunded or disputed"</th><th scope="col">"State"</th>
            </tr></thead>
            <tbody>
                {payments.into_iter().map(|p| view! {
                    <tr>
                        <td>{p.id}</td>
                        <td class="nowrap">{p.at}</td>
                        {staff.then(|| view! { <td>{p.company.clone()}</td> })}
                        <td>{p.method}</td>
                        <td class="num">{p.amount}</td>
                        <td class="num">{p.reversed}</td>
                        <td class="wrap"><span class=match p.status.as_str() {
                                "paid" => "badge badge-ok",
                                "failed" | "expired" => "badge badge-off",
                                _ => "badge badge-warn",
                            }>{p.status.clone()}</span>
                            {(!p.message.is_empty()).then(|| view! { <br/><span class="muted">{p.message.clone()}</span> })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager total page per_page/>
    }
    .into_any()
}
