//! The Balance page of the Customer portal and the Balance tab of a customer in Super Admin.

use super::api::{AddLedgerEntry, AlertRow, LedgerPage, SetLowBalance, ledger_data};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::{ErrorPanel, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const ENTRY_FIELDS: &[&str] = &["kind", "amount", "reason"];

/// Customer portal > Billing > Balance: the signed-in customer's balance and entries.
#[component]
pub fn MyBalancePage() -> impl IntoView {
    let ledger = Ledger::new(move || None);
    view! {
        <Title text="Balance"/>
        <div class="page-head"><h1>"Balance"</h1></div>
        <LedgerPanel ledger/>
    }
}

/// A ledger's data and its manual-entry action. Create it in the page component itself, not
/// inside another resource's `Suspend`, so that it hydrates with the page.
#[derive(Clone, Copy)]
pub struct Ledger {
    data: Resource<Result<LedgerPage, crate::error::AppError>>,
    add: ServerAction<AddLedgerEntry>,
    alert: ServerAction<SetLowBalance>,
}

impl Ledger {
    /// The ledger of `customer_id()` (`None`: the signed-in customer's own), with the page's
    /// `kind`, `from`, `to`, `q` and `page` query parameters; reloaded after a posted entry or
    /// a saved alert threshold.
    pub fn new(customer_id: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Self {
        let query = use_query_map();
        let add = ServerAction::<AddLedgerEntry>::new();
        let alert = ServerAction::<SetLowBalance>::new();
        let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
        // Reload after a posted entry or saved threshold only: a refused one keeps the form as
        // typed, with its error.
        let posted = Memo::new(move |before: Option<&(usize, usize)>| {
            let (mut added, mut alerted) = before.copied().unwrap_or_default();
            if matches!(add.value().get(), Some(Ok(_))) {
                added = add.version().get();
            }
            if matches!(alert.value().get(), Some(Ok(_))) {
                alerted = alert.version().get();
            }
            (added, alerted)
        });
        let data = Resource::new(
            move || {
                (
                    customer_id(),
                    param("kind"),
                    param("from"),
                    param("to"),
                    param("q"),
                    param("page").and_then(|p| p.parse::<u64>().ok()),
                    posted.get(),
                )
            },
            move |(customer_id, kind, from, to, q, page, _)| {
                ledger_data(customer_id, kind, from, to, q, page)
            },
        );
        Ledger { data, add, alert }
    }
}

/// A customer's balance, credit limit, entries (filters, pages, CSV) and, for staff, the
/// manual-entry form. On a page with content tabs, `tab` keeps the tab selected when the
/// filters are applied.
#[component]
pub fn LedgerPanel(ledger: Ledger, #[prop(optional)] tab: Option<&'static str>) -> impl IntoView {
    let Ledger { data, add, alert } = ledger;
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading the balance…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <LedgerView data add alert tab/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LedgerView(
    data: LedgerPage,
    add: ServerAction<AddLedgerEntry>,
    alert: ServerAction<SetLowBalance>,
    tab: Option<&'static str>,
) -> impl IntoView {
    let query = use_query_map();
    let value = move |k: &str| query.read().get(k).unwrap_or_default();
    let LedgerPage {
        customer_id,
        currency,
        balance,
        negative,
        credit_limit,
        available,
        entries,
        total,
        page,
        per_page,
        staff,
        form_token,
        kinds,
        manual_kinds,
        csv_href,
        low_balance,
        alerts,
        ..
    } = data;
    let filtered = ["kind", "from", "to", "q"]
        .iter()
        .any(|k| query.read_untracked().get(k).is_some_and(|v| !v.is_empty()));
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let done = move || add.value().get().and_then(Result::ok);
    view! {
        <div class="stat-grid money" id="balance">
            <div class="stat"><strong class:negative=negative>{format!("{balance} {currency}")}</strong><span>"Balance"</span></div>
            <div class="stat"><strong>{format!("{credit_limit} {currency}")}</strong><span>"Credit limit"</span></div>
            <div class="stat"><strong>{format!("{available} {currency}")}</strong><span>"Available to spend"</span></div>
        </div>
        <BalanceAlerts customer_id staff currency=currency.clone() low_balance alerts alert/>
        {staff.then(|| view! {
            <details class="panel" open=move || error.get().is_some()>
                <summary><strong>"Add an entry"</strong>" (a payment received outside the platform, a refund, a bonus or a correction)"</summary>
                <ActionForm action=add attr:id="ledger-entry">
                    <FormError error fields=ENTRY_FIELDS/>
                    <input type="hidden" name="customer_id" value=customer_id/>
                    <input type="hidden" name="token" value=form_token.clone()/>
                    <SelectField name="kind" label="Kind" options=manual_kinds.clone() selected="top_up" error/>
                    <Field name="amount" label="Amount" required=true error
                        help="In the customer's currency, like 25.00; an adjustment may be negative, like -3.10. Up to 6 decimals."/>
                    <Field name="reason" label="Reason" required=true error
                        help="Kept on the entry and in the audit log, e.g. bank transfer reference."/>
                    <button type="submit" class="btn btn-primary">"Post entry"</button>
                </ActionForm>
            </details>
        })}
        {move || done().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        <h2>"Entries"</h2>
        <Form method="GET" action="" attr:class="filters" attr:id="ledger-filters">
            {tab.map(|t| view! { <input type="hidden" name="tab" value=t/> })}
            <select name="kind" aria-label="Kind">
                <option value="">"All kinds"</option>
                {kinds.into_iter().map(|(k, l)| {
                    let selected = value("kind") == k;
                    view! { <option value=k selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            <label class="inline-label">"From "<input type="date" name="from" value=value("from")/></label>
            <label class="inline-label">"To "<input type="date" name="to" value=value("to")/></label>
            <input type="search" name="q" placeholder="Reason or reference" aria-label="Reason or reference" value=value("q")/>
            <button type="submit" class="btn btn-secondary btn-small">"Filter"</button>
            <a class="btn btn-secondary btn-small" href=csv_href download="">"Export CSV"</a>
        </Form>
        {if entries.is_empty() {
            let text = if filtered { "No entry matches these filters." } else { "No entry yet: the balance moves with top-ups and charges." };
            view! { <p class="empty">{text}</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="ledger-entries">
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Kind"</th><th scope="col">"Description"</th>
                        <th scope="col" class="num">{format!("Amount ({currency})")}</th><th scope="col" class="num">"Balance after"</th><th scope="col">"By"</th>
                    </tr></thead>
                    <tbody>
                        {entries.into_iter().map(|e| view! {
                            <tr>
                                <td class="nowrap">{e.at}</td>
                                <td>{e.kind}</td>
                                <td class="wrap">{e.description}{(!e.reference.is_empty()).then(|| view! { <br/><span class="muted">{e.reference}</span> })}</td>
                                <td class="num">{e.amount}</td>
                                <td class="num">{e.balance_after}</td>
                                <td>{e.by}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager total page per_page/>
            }.into_any()
        }}
    }
}

/// The open alerts as banners, the threshold form, and the latest alerts.
#[component]
fn BalanceAlerts(
    customer_id: i64,
    staff: bool,
    currency: String,
    low_balance: String,
    alerts: Vec<AlertRow>,
    alert: ServerAction<SetLowBalance>,
) -> impl IntoView {
    let error = Signal::derive(move || alert.value().get().and_then(Result::err));
    let saved = move || alert.value().get().and_then(Result::ok);
    let open: Vec<AlertRow> = alerts
        .iter()
        .filter(|a| a.cleared.is_empty())
        .cloned()
        .collect();
    let who = if staff { "The customer's" } else { "Your" };
    view! {
        {open.into_iter().map(|a| {
            let text = if a.stopped {
                format!("New calls are refused: the balance reached {} on {} ({} with the credit limit). Top up to call again.", a.level, a.at, a.balance)
            } else {
                format!("{who} balance fell below {} on {} ({}). A notice to {}.", a.level, a.at, a.balance, a.email)
            };
            let class = if a.stopped { "notice-error" } else { "notice-warn" };
            view! { <div class=class role="alert">{text}</div> }
        }).collect_view()}
        <ActionForm action=alert attr:id="low-balance" attr:class="panel form-row">
            <FormError error fields=&["low_balance"]/>
            {staff.then(|| view! { <input type="hidden" name="customer_id" value=customer_id/> })}
            <Field name="low_balance" label="Low-balance alert" value=low_balance error
                help="An e-mail goes out once when the balance falls below this amount (in the billing currency); empty: no alert."/>
            <span class="muted">{currency}</span>
            <button type="submit" class="btn btn-secondary">"Save alert"</button>
        </ActionForm>
        {move || saved().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        {(!alerts.is_empty()).then(|| view! {
            <h2>"Alerts"</h2>
            <table class="data-table" id="balance-alerts">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Alert"</th><th scope="col" class="num">"Balance"</th>
                    <th scope="col" class="num">"Level"</th><th scope="col">"Notice"</th><th scope="col">"Back above"</th>
                </tr></thead>
                <tbody>
                    {alerts.into_iter().map(|a| view! {
                        <tr>
                            <td class="nowrap">{a.at}</td><td>{a.kind}</td><td class="num">{a.balance}</td>
                            <td class="num">{a.level}</td><td>{a.email}</td>
                            <td>{if a.cleared.is_empty() { "still below".to_owned() } else { a.cleared }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
