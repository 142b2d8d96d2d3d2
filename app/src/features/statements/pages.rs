//! Customer portal > Billing > Statements and Super Admin > Customers > Statements.

use super::api::{RequestStatement, StatementsPage, statements_data};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

/// The statements (own, or every customer's for staff), the form that asks for one, and the
/// PDFs to download. While one is being drawn the list refreshes itself: every second with
/// JavaScript, every two seconds without.
#[component]
pub fn StatementsPageView() -> impl IntoView {
    let ask = ServerAction::<RequestStatement>::new();
    let tick = RwSignal::new(0u32);
    let asked = Memo::new(move |before: Option<&usize>| {
        if matches!(ask.value().get(), Some(Ok(_))) {
            ask.version().get()
        } else {
            before.copied().unwrap_or_default()
        }
    });
    let data = Resource::new(move || (asked.get(), tick.get()), |_| statements_data());
    // Poll while a statement is being drawn (hydrated only: without JavaScript the page's meta
    // refresh does it).
    Effect::new(move |_| {
        if let Some(Ok(d)) = data.get()
            && d.pending
        {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });
    view! {
        <Title text="Statements"/>
        <div class="page-head"><h1>"Statements"</h1></div>
        <p class="muted">"A statement lists a period of your account: the opening balance, every top-up, bonus and charge grouped by kind, the calls by destination, and the closing balance. Each has its own invoice number."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <StatementsView data=d ask/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StatementsView(data: StatementsPage, ask: ServerAction<RequestStatement>) -> impl IntoView {
    let error = Signal::derive(move || ask.value().get().and_then(Result::err));
    let done = move || ask.value().get().and_then(Result::ok);
    let staff = !data.customers.is_empty();
    let mut customers = vec![(String::new(), "Choose a customer".to_owned())];
    customers.extend(data.customers);
    view! {
        {data.pending.then(|| view! { <noscript><meta http-equiv="refresh" content="2"/></noscript> })}
        <ActionForm action=ask attr:id="statement-form" attr:class="panel">
            <FormError error fields=&["customer_id", "from", "to"]/>
            <div class="form-row">
                {staff.then(|| view! { <SelectField name="customer_id" label="Customer" options=customers.clone() error/> })}
                <Field name="from" label="First day" kind="date" value=data.default_from required=true error/>
                <Field name="to" label="Last day" kind="date" value=data.default_to required=true error help="UTC, included."/>
                <button type="submit" class="btn btn-primary">"Get statement"</button>
            </div>
        </ActionForm>
        {move || done().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        {if data.statements.is_empty() {
            view! { <p class="empty">"No statement yet."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="statements">
                    <thead><tr>
                        <th scope="col">"Number"</th>
                        {staff.then(|| view! { <th scope="col">"Customer"</th> })}
                        <th scope="col">"Period"</th><th scope="col" class="num">"Opening balance"</th>
                        <th scope="col" class="num">"Closing balance"</th><th scope="col">"State"</th><th scope="col">"PDF"</th>
                    </tr></thead>
                    <tbody>
                        {data.statements.into_iter().map(|s| view! {
                            <tr>
                                <td>{s.number.clone()}</td>
                                {staff.then(|| view! { <td>{s.company.clone()}</td> })}
                                <td class="nowrap">{s.period.clone()}</td>
                                <td class="num">{s.opening.clone()}</td>
                                <td class="num">{s.closing.clone()}</td>
                                <td class="wrap"><span class=match s.status.as_str() {
                                    "done" => "badge badge-ok",
                                    "failed" => "badge badge-off",
                                    _ => "badge badge-warn",
                                }>{s.status.clone()}</span>
                                {(!s.message.is_empty()).then(|| view! { <br/><span class="muted">{s.message.clone()}</span> })}</td>
                                <td>{(!s.href.is_empty()).then(|| view! {
                                    <a href=s.href.clone() download="">{format!("statement-{}.pdf", s.number)}</a>
                                })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
