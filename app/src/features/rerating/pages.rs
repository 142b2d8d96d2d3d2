//! Carriers > Re-rating: the form and the latest runs, and one run's dry run with its Apply.

use super::api::{
    ApplyRerate, RerateDetail, RerateOverview, RunRow, StartRerate, get_rerate, rerate_list,
};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_badge(status: &str) -> impl IntoView + use<> {
    let (class, label) = match status {
        "applied" => ("badge badge-ok", "Applied"),
        "dry_run" => ("badge badge-warn", "Dry run"),
        "applying" => ("badge badge-warn", "Applying"),
        "queued" => ("badge", "Queued"),
        "running" => ("badge badge-warn", "Running"),
        "failed" => ("badge badge-off", "Failed"),
        _ => ("badge badge-off", "Stale"),
    };
    view! { <span class=class>{label}</span> }
}

/// The re-rating form and the tenant's latest runs.
#[component]
pub fn ReratingPage() -> impl IntoView {
    let start = ServerAction::<StartRerate>::new();
    let data = Resource::new(|| (), |_| rerate_list());
    view! {
        <Title text="Re-rating"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href="/admin/carriers">"Carriers"</a>" / Re-rating"</div>
                <h1>"Re-rating"</h1>
            </div>
        </div>
        <p class="muted">"After a deck or card fix, re-rate the calls of a period with the rates in force now. The dry run changes nothing: it shows per customer what its calls would be charged. Applying it re-rates those calls and posts the difference as one re-rating entry per customer; applying it again changes nothing."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <RerateForm list start/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RerateForm(list: RerateOverview, start: ServerAction<StartRerate>) -> impl IntoView {
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let mut customers = vec![(String::new(), "All customers".to_owned())];
    customers.extend(list.customers);
    view! {
        <ActionForm action=start attr:id="rerate-form">
            <FormError error fields=&["from", "to", "customer_id"]/>
            <div class="panel form-row">
                <Field name="from" label="First day (UTC)" kind="date" value=list.month_start required=true error/>
                <Field name="to" label="Last day (UTC)" kind="date" value=list.today required=true error/>
                <SelectField name="customer_id" label="Customer" options=customers error/>
                <button type="submit" class="btn btn-primary">"Dry run"</button>
            </div>
        </ActionForm>
        <h2>"Latest runs"</h2>
        {if list.runs.is_empty() {
            view! { <p class="empty">"No re-rating yet."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="reratings">
                    <thead><tr>
                        <th scope="col">"Run"</th><th scope="col">"Period"</th><th scope="col">"Customer"</th>
                        <th scope="col" class="num">"Calls checked"</th><th scope="col" class="num">"Changed"</th>
                        <th scope="col">"Status"</th><th scope="col">"Dry run"</th>
                    </tr></thead>
                    <tbody>
                        {list.runs.into_iter().map(|r| view! {
                            <tr>
                                <td><a href=format!("/admin/rerating/{}", r.id)>{format!("#{}", r.id)}</a></td>
                                <td class="nowrap">{r.period}</td><td>{r.customer}</td>
                                <td class="num">{r.checked}</td><td class="num">{r.changed}</td>
                                <td>{status_badge(&r.status)}</td><td class="muted">{r.created}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// One run: its progress while its dry run job runs; then per customer what changes, the first
/// changed calls, and Apply.
#[component]
pub fn RerateDetailPage() -> impl IntoView {
    let params = use_params_map();
    let apply = ServerAction::<ApplyRerate>::new();
    // While the dry run runs, fetch the run again every second (without JavaScript, the page
    // reloads itself every 2 s).
    let tick = RwSignal::new(0u32);
    let running = RwSignal::new(false);
    let data = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0),
                apply.version().get(),
                tick.get(),
            )
        },
        |(id, ..)| get_rerate(id),
    );
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if running.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Title text="Re-rating"/>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(run) => {
                        let busy = matches!(run.run.status.as_str(), "queued" | "running");
                        running.set(busy);
                        if busy {
                            view! { <RerateProgress run=run.run/> }.into_any()
                        } else {
                            view! { <RerateView run apply/> }.into_any()
                        }
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A dry run still queued or running: how far it got.
#[component]
fn RerateProgress(run: RunRow) -> impl IntoView {
    let id = run.id;
    view! {
        <noscript><meta http-equiv="refresh" content="2"/></noscript>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href="/admin/rerating">"Re-rating"</a>{format!(" / #{id}")}</div>
                <h1>{format!("Re-rating #{id}: {}", run.period)}</h1>
            </div>
        </div>
        <div class="panel" id="rerate-summary" aria-live="polite">
            <p>{status_badge(&run.status)}{format!(" {} · dry run of {} call(s): {} checked so far.", run.customer, run.total, run.checked)}</p>
            <progress class="wide" max=run.total.max(1) value=run.checked aria-label="Dry run progress"></progress>
            <p class="muted">{format!("Queued {}. The dry run changes nothing; this page shows what it finds when it is done.", run.created)}</p>
        </div>
    }
}

#[component]
fn RerateView(run: RerateDetail, apply: ServerAction<ApplyRerate>) -> impl IntoView {
    let query = use_query_map();
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let done = move || match query.read().get("done").as_deref() {
        Some("applied") => Some("Applied: the calls are re-rated and the adjustments posted."),
        Some("already") => Some("This re-rating was applied before: nothing changed."),
        _ => None,
    };
    let RerateDetail {
        run: row,
        skipped,
        notes,
        applied,
        lines,
        changes,
    } = run;
    let id = row.id;
    let dry = row.status == "dry_run" || row.status == "applying";
    let to_post = lines.iter().filter(|l| l.adjustment != "none").count();
    view! {
        <div class="page-head">
            <div>
                <div class="crumbs"><a href="/admin/rerating">"Re-rating"</a>{format!(" / #{id}")}</div>
                <h1>{format!("Re-rating #{id}: {}", row.period)}</h1>
            </div>
        </div>
        {move || done().map(|m| view! { <div class="notice-ok" role="status">{m}</div> })}
        <div class="panel" id="rerate-summary">
            <p>{status_badge(&row.status)}{format!(" {} · {} calls checked, {} re-priced, {} left out.", row.customer, row.checked, row.changed, skipped)}</p>
            {(!notes.is_empty()).then(|| view! { <p class="notice-warn">{notes.clone()}</p> })}
            <p class="muted">{format!("Dry run {}.", row.created)}{(!applied.is_empty()).then(|| format!(" Applied {applied}."))}</p>
            {(row.status == "stale").then(|| view! {
                <p class="notice-error">"Calls of this period changed after this dry run: start a new dry run."</p>
            })}
            {(row.status == "failed").then(|| view! {
                <p class="notice-error">"The dry run failed (the reason is above, and on the job dashboard): start a new dry run."</p>
            })}
            {(dry && row.changed == 0).then(|| view! { <p class="muted">"Nothing to apply."</p> })}
            {(dry && row.changed > 0).then(|| view! {
                <ActionForm action=apply attr:class="inline" attr:id="rerate-apply">
                    <FormError error fields=&[]/>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="btn btn-primary">
                        {format!("Apply: re-rate {} call(s), post {} adjustment(s)", row.changed, to_post)}
                    </button>
                </ActionForm>
            })}
        </div>
        <h2>"Per customer"</h2>
        {if lines.is_empty() {
            view! { <p class="empty">"Nothing changes: every call of the period is charged as the rates in force now price it."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="rerate-lines">
                    <thead><tr>
                        <th scope="col">"Customer"</th><th scope="col" class="num">"Calls"</th>
                        <th scope="col" class="num">"Charged before"</th><th scope="col" class="num">"Charged after"</th>
                        <th scope="col" class="num">"Adjustment"</th><th scope="col">"Entry"</th>
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().map(|l| view! {
                            <tr>
                                <td>{l.customer}</td><td class="num">{l.cdrs}</td>
                                <td class="num nowrap">{l.before}</td><td class="num nowrap">{l.after}</td>
                                <td class="num nowrap">{l.adjustment.clone()}</td>
                                <td>{if l.posted { "posted" } else if l.adjustment == "none" { "–" } else { "not yet" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {(!changes.is_empty()).then(|| view! {
            <h2>"Calls re-priced"</h2>
            <div class="table-scroll">
            <table class="data-table" id="rerate-calls">
                <thead><tr>
                    <th scope="col">"Start"</th><th scope="col">"Call"</th><th scope="col">"Number"</th><th scope="col">"Destination"</th>
                    <th scope="col">"Status"</th><th scope="col" class="num">"Price"</th><th scope="col" class="num">"Cost"</th>
                </tr></thead>
                <tbody>
                    {changes.into_iter().map(|c| view! {
                        <tr>
                            <td class="nowrap">{c.start}</td><td>{c.call_id}</td><td class="nowrap">{c.number}</td>
                            <td>{c.destination}</td><td>{c.status}</td>
                            <td class="num nowrap">{c.price}</td><td class="num nowrap">{c.cost}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        })}
    }
}
