//! Customer portal > Billing > Top up, and Super Admin > Customers > Payments.

use super::api::{PaymentRow, PaymentsPage, RefundPayment, StartTopUp, payments_data};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::{ErrorPanel, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// The payments data of the page's `page`, `amount` and `promo_code` query parameters, read
/// again whenever `refresh` changes.
fn payments_resource(
    refresh: Signal<usize>,
) -> Resource<Result<PaymentsPage, crate::error::AppError>> {
    let query = use_query_map();
    Resource::new(
        move || {
            let q = query.read();
            (
                q.get("page").and_then(|p| p.parse::<u64>().ok()),
                q.get("amount"),
                q.get("promo_code"),
                refresh.get(),
            )
        },
        |(page, amount, code, _)| payments_data(page, amount, code),
    )
}

/// Customer portal > Billing > Top up: the amount and method, then the provider's payment page;
/// below, the customer's payments and their states.
#[component]
pub fn TopUpPage() -> impl IntoView {
    let data = payments_resource(Signal::stored(0));
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
    let typed = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let pay_error = Signal::derive(move || start.value().get().and_then(Result::err));
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
        review,
    } = data;
    let review_error = review.clone().and_then(Result::err);
    let review_error = Signal::derive(move || review_error.clone());
    let usable: Vec<_> = methods.iter().filter(|m| m.configured).cloned().collect();
    let missing: Vec<_> = methods.iter().filter(|m| !m.configured).cloned().collect();
    let status_of = |id: &str| {
        payments
            .iter()
            .find(|p| p.id.to_string() == id)
            .map(|p| (p.status.clone(), p.message.clone()))
    };
    let paid_notice = paid.map(|id| match status_of(&id) {
        Some((status, reason)) if status == "failed" => view! { <div class="notice-error" role="alert">{format!("Payment {id} failed: {reason}. Nothing was charged to your balance; try again or choose another method.")}</div> }.into_any(),
        Some((status, _)) if status == "paid" => view! { <div class="notice-ok" role="status">{format!("Payment {id} is paid and credited to your balance.")}</div> }.into_any(),
        _ => view! { <div class="notice-ok" role="status">{format!("Thank you: payment {id} is being confirmed by the provider. Your balance is credited as soon as it is (usually within seconds); reload to see it.")}</div> }.into_any(),
    });
    let cancelled_notice = cancelled.map(|id| view! {
        <div class="notice-warn" role="status">{format!("Payment {id} was cancelled: nothing was charged.")}</div>
    });
    let reviewed = review.and_then(Result::ok);
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
                <Form method="GET" action="" attr:id="top-up" attr:class="panel">
                    <FormError error=review_error fields=&["amount", "promo_code"]/>
                    <div class="form-row">
                        <Field name="amount" label="Amount" required=true value=typed("amount") error=review_error
                            help="In your billing currency, like 50 or 25.50."/>
                        <Field name="promo_code" label="Promo code" value=typed("promo_code") error=review_error
                            help="Optional: a code adds bonus credit."/>
                        <button type="submit" class="btn btn-secondary">"Review"</button>
                    </div>
                    <p class="muted">{format!("From {min} to {max}; your balance is in {currency}.")}</p>
                </Form>
                {reviewed.map(|r| {
                    let bonus_line = (!r.bonus.is_empty()).then(|| view! {
                        <div class="stat"><strong>{format!("+{}", r.bonus)}</strong><span>{format!("Bonus of {}", r.promo_code)}</span></div>
                    });
                    view! {
                        <section class="panel" id="top-up-review">
                            <h2>"Review"</h2>
                            <div class="stat-grid money">
                                <div class="stat"><strong>{r.pay.clone()}</strong><span>"You pay"</span></div>
                                {bonus_line}
                                <div class="stat"><strong>{r.total.clone()}</strong><span>"Your balance grows by"</span></div>
                            </div>
                            <ActionForm action=start attr:id="top-up-pay">
                                <FormError error=pay_error fields=&[]/>
                                <input type="hidden" name="token" value=form_token.clone()/>
                                <input type="hidden" name="amount" value=r.amount.clone()/>
                                <input type="hidden" name="promo_code" value=r.promo_code.clone()/>
                                <fieldset class="choices">
                                    <legend>"Pay with"</legend>
                                    {usable.iter().enumerate().map(|(i, m)| view! {
                                        <label><input type="radio" name="provider" value=m.key.clone() checked=i == 0/>" "{m.label.clone()}</label>
                                    }).collect_view()}
                                </fieldset>
                                <button type="submit" class="btn btn-primary">{format!("Pay {}", r.pay)}</button>
                                <p class="muted">"You pay on the provider's secure page; the balance is credited once the provider confirms the payment."</p>
                            </ActionForm>
                        </section>
                    }
                })}
            }.into_any()
        }}
        <h2>"Your payments"</h2>
        <PaymentsTable payments total page per_page refund=None/>
    }
}

/// Super Admin > Customers > Payments: every top-up of the tenant with its state, and a refund
/// form on each paid one.
#[component]
pub fn PaymentsPageView() -> impl IntoView {
    let refund = ServerAction::<RefundPayment>::new();
    let data = payments_resource(Signal::derive(move || refund.version().get()));
    let error = Signal::derive(move || refund.value().get().and_then(Result::err));
    let query = use_query_map();
    let done = move || {
        match refund.value().get() {
        Some(Ok(said)) => Some(said),
        Some(Err(_)) => None,
        None => query.read().get("refund_asked").map(|id| {
            format!("Refund of payment {id} asked for: the customer's balance is debited when the provider confirms it.")
        }),
    }
    };
    view! {
        <Title text="Payments"/>
        <div class="page-head"><h1>"Payments"</h1></div>
        <p class="muted">"A refund goes back through the payment's provider; the customer's balance is debited when the provider confirms it, usually within seconds."</p>
        {move || done().map(|m| view! { <div class="notice-ok" role="status" id="refund-done">{m}</div> })}
        <FormError error fields=&[]/>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        {d.methods.iter().filter(|m| !m.configured).map(|m| view! {
                            <div class="notice-warn" role="status">{format!("{} is not configured: set its keys in the settings (docs/operations.md) to take top-ups.", m.label)}</div>
                        }).collect_view()}
                        <PaymentsTable payments=d.payments total=d.total page=d.page per_page=d.per_page refund=Some((refund, d.form_token))/>
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
    /// Staff's refund action and the page's one-time token; `None` on the customer's page.
    refund: Option<(ServerAction<RefundPayment>, String)>,
) -> impl IntoView {
    let staff = refund.is_some();
    if payments.is_empty() {
        return view! { <p class="empty">"No payment yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table class="data-table" id="payments">
            <thead><tr>
                <th scope="col">"Payment"</th><th scope="col">"When"</th>
                {staff.then(|| view! { <th scope="col">"Customer"</th> })}
                <th scope="col">"Method"</th><th scope="col" class="num">"Amount"</th>
                <th scope="col" class="num">"Refunded or disputed"</th><th scope="col">"State"</th>
                {staff.then(|| view! { <th scope="col">"Refund"</th> })}
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
                        <td class=if p.message.is_empty() { "" } else { "wrap" }><span class=match p.status.as_str() {
                                "paid" => "badge badge-ok",
                                "failed" | "expired" => "badge badge-off",
                                _ => "badge badge-warn",
                            }>{p.status.clone()}</span>
                            {(!p.message.is_empty()).then(|| view! { <br/><span class="muted">{p.message.clone()}</span> })}</td>
                        {refund.clone().map(|(action, token)| view! {
                            <td>{(!p.refundable.is_empty()).then(|| view! {
                                <ActionForm action attr:class="inline" attr:id=format!("refund-{}", p.id)>
                                    <input type="hidden" name="payment_id" value=p.id/>
                                    <input type="hidden" name="token" value=token.clone()/>
                                    <input type="text" name="amount" inputmode="decimal" size="7" value=p.refundable.clone()
                                        aria-label=format!("Amount to refund of payment {}", p.id)/>" "
                                    <button type="submit" class="btn btn-secondary btn-small">"Refund"</button>
                                </ActionForm>
                            })}</td>
                        })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
        <Pager total page per_page/>
    }
    .into_any()
}
