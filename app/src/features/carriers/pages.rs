//! The carrier pages: list, new, detail (General, Limits, Contacts, Trunks, Rate decks, Activity). The same
//! pages serve the Super Admin (`/admin/carriers`) and Softswitch (`/switch/carriers`) portals.

use super::api::{
    DeleteTrunk, SaveCarrier, SaveTrunk, get_carrier, list_carriers, new_carrier_form,
};
use super::dto::{CarrierDetail, CarrierForm, CarrierPage, TrunkRow};
use crate::features::decks::pages::CarrierDecks;
use crate::features::users::api::AddPortalUser;
use crate::features::users::pages::portal_users::PortalUsers;
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError, SelectField, TextAreaField};
use crate::ui::page::operator_base;
use crate::ui::page::{ActivityTable, ContentTabs, ErrorPanel, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

const STATUSES: [(&str, &str); 3] = [
    ("active", "Active"),
    ("testing", "Testing"),
    ("disabled", "Disabled"),
];

const TRANSPORTS: [(&str, &str); 3] = [("udp", "UDP"), ("tcp", "TCP"), ("tls", "TLS")];

fn status_badge(status: &str) -> impl IntoView + use<> {
    let class = match status {
        "active" => "badge badge-ok",
        "testing" => "badge badge-warn",
        _ => "badge badge-off",
    };
    let label = STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or(status.to_owned(), |(_, l)| (*l).to_owned());
    view! { <span class=class>{label}</span> }
}

fn limit(n: i32) -> String {
    if n == 0 {
        "no limit".to_owned()
    } else {
        n.to_string()
    }
}

/// Carriers: search, status filter, pages.
#[component]
pub fn CarriersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let carriers = Resource::new(
        move || {
            (
                param("q"),
                param("status"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(q, status, page)| list_carriers(q, status, page),
    );
    let base = operator_base();
    view! {
        <Title text="Carriers"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"Carriers"</div>
                <h1>"Carriers"</h1>
            </div>
            <div class="head-actions">
                <a href=format!("{base}/carriers/new") class="btn btn-primary">"New carrier"</a>
            </div>
        </div>
        <Form method="GET" action="" attr:class="filters">
            <input type="search" name="q" placeholder="Search name, technical prefix or e-mail" aria-label="Search carriers"
                value=move || param("q").unwrap_or_default()/>
            <select name="status" aria-label="Status">
                <option value="">"All statuses"</option>
                {STATUSES.into_iter().map(|(k, l)| view! { <option value=k selected=move || param("status").as_deref() == Some(k)>{l}</option> }).collect_view()}
            </select>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading carriers…"</p> }>
            {move || Suspend::new(async move {
                match carriers.await {
                    Ok(page) => view! { <CarriersTable page base/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CarriersTable(page: CarrierPage, base: &'static str) -> impl IntoView {
    if page.rows.is_empty() {
        return view! {
            <p class="empty">"No carrier matches. Clear the search, or "<a href=format!("{base}/carriers/new")>"add your first carrier"</a>
                " with its SIP trunks, then load its rate deck."</p>
        }
        .into_any();
    }
    view! {
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col">"Carrier"</th>
                    <th scope="col">"Currency"</th>
                    <th scope="col">"Technical prefix"</th>
                    <th scope="col" class="num">"Trunks"</th>
                    <th scope="col" class="num">"CPS"</th>
                    <th scope="col" class="num">"Channels"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|c| view! {
                    <tr>
                        <td><a href=format!("{base}/carriers/{}", c.id)>{c.name}</a></td>
                        <td>{c.currency}</td>
                        <td>{if c.technical_prefix.is_empty() { "–".to_owned() } else { c.technical_prefix }}</td>
                        <td class="num">{format!("{} of {}", c.enabled_trunks, c.trunks)}</td>
                        <td class="num">{limit(c.max_cps)}</td>
                        <td class="num">{limit(c.max_channels)}</td>
                        <td>{status_badge(&c.status)}</td>
                        <td>{c.updated_at}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total page=page.page per_page=page.per_page/>
    }
    .into_any()
}

const FORM_FIELDS: &[&str] = &[
    "name",
    "currency",
    "status",
    "technical_prefix",
    "max_cps",
    "max_channels",
    "noc_email",
    "rates_email",
    "billing_email",
    "notes",
];

/// The carrier form for a new (`id` None) or an existing carrier. An existing one is split in
/// General, Limits and Contacts content tabs (each tab's Save keeps the others' stored values);
/// a new one shows every section on one page, so it can be filled in one go without JavaScript.
#[component]
fn CarrierEditor(
    id: Option<i64>,
    form: CarrierForm,
    #[prop(into)] tab: Signal<String>,
    save: ServerAction<SaveCarrier>,
) -> impl IntoView {
    let tabbed = id.is_some();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let base = operator_base();
    let cancel = id.map_or(format!("{base}/carriers"), |id| {
        format!("{base}/carriers/{id}")
    });
    let shown = move |key: &'static str| {
        move || tabbed && tab.get() != key && !(key == "general" && tab.get().is_empty())
    };
    view! {
        <DockedForm saved=Signal::derive(move || save.version().get())>
            <ActionForm action=save>
                <FormError error fields=FORM_FIELDS/>
                <input type="hidden" name="id" value=id.map(|v| v.to_string()).unwrap_or_default()/>
                <input type="hidden" name="tab" value=move || if tabbed { tab.get() } else { String::new() }/>
                <div class="panel form-section" hidden=shown("general")>
                    <h2 class:form-section-title=tabbed>"General"</h2>
                    <Field name="name" label="Name" required=true value=form.name error/>
                    <Field name="currency" label="Currency" required=true value=form.currency error
                        help="ISO 4217 code of its rate decks and invoices, like USD or EUR."/>
                    <SelectField name="status" label="Status" selected=form.status error
                        options=STATUSES.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()
                        help="Only active carriers take traffic; testing ones take test calls; disabled ones none (their decks and history are kept)."/>
                    <TextAreaField name="notes" label="Internal notes" value=form.notes error/>
                </div>
                <div class="panel form-section" hidden=shown("limits")>
                    <h2 class:form-section-title=tabbed>"Limits"</h2>
                    <Field name="technical_prefix" label="Technical prefix" value=form.technical_prefix error
                        help="Digits, # or * the switch dials before the number on this carrier's trunks, like 1234#. Leave empty if none."/>
                    <Field name="max_cps" label="Calls per second" kind="number" value=form.max_cps error
                        help="New calls per second the carrier accepts; 0 for no limit."/>
                    <Field name="max_channels" label="Channels" kind="number" value=form.max_channels error
                        help="Concurrent calls the carrier accepts; 0 for no limit."/>
                </div>
                <div class="panel form-section" hidden=shown("contacts")>
                    <h2 class:form-section-title=tabbed>"Contacts"</h2>
                    <Field name="noc_email" label="NOC e-mail" kind="email" value=form.noc_email error
                        help="Technical contact for outages and test calls."/>
                    <Field name="rates_email" label="Rates e-mail" kind="email" value=form.rates_email error
                        help="Where the carrier's rate decks come from."/>
                    <Field name="billing_email" label="Billing e-mail" kind="email" value=form.billing_email error
                        help="Invoices and disputes."/>
                </div>
                <ActionDock save_label=if id.is_some() { "Save carrier" } else { "Create carrier" } cancel_href=cancel pending=save.pending()/>
            </ActionForm>
        </DockedForm>
    }
}

fn query_value(key: &'static str) -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(key).filter(|v| !v.is_empty()))
}

fn current_tab() -> Signal<String> {
    let tab = query_value("tab");
    Signal::derive(move || tab.get().unwrap_or_else(|| "general".to_owned()))
}

/// Carriers > New carrier.
#[component]
pub fn NewCarrierPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| new_carrier_form());
    let tab = current_tab();
    let save = ServerAction::<SaveCarrier>::new();
    let base = operator_base();
    view! {
        <Title text="New carrier"/>
        <div class="crumbs"><a href=format!("{base}/carriers")>"Carriers"</a>" / New"</div>
        <h1>"New carrier"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(form) => view! { <CarrierEditor id=None form tab save/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Carriers > one carrier.
#[component]
pub fn CarrierDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let save = ServerAction::<SaveCarrier>::new();
    let save_trunk = ServerAction::<SaveTrunk>::new();
    let delete_trunk = ServerAction::<DeleteTrunk>::new();
    // Fetch again after each successful write only: a refused one keeps what the user typed.
    let written = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            written.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if matches!(save_trunk.value().get(), Some(Ok(_))) {
            written.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if matches!(delete_trunk.value().get(), Some(Ok(_))) {
            written.update(|n| *n += 1);
        }
    });
    let add_user = ServerAction::<AddPortalUser>::new();
    let detail = Resource::new(
        move || (id(), written.get(), add_user.version().get()),
        |(id, _, _)| get_carrier(id),
    );
    let tab = current_tab();
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <CarrierView detail tab save save_trunk delete_trunk add_user/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CarrierView(
    detail: CarrierDetail,
    tab: Signal<String>,
    save: ServerAction<SaveCarrier>,
    save_trunk: ServerAction<SaveTrunk>,
    delete_trunk: ServerAction<DeleteTrunk>,
    add_user: ServerAction<AddPortalUser>,
) -> impl IntoView {
    let saved = query_value("saved");
    let CarrierDetail {
        id,
        form,
        trunks,
        decks,
        users,
        activity,
        quality,
    } = detail;
    let base = operator_base();
    let title = format!("{} · Carriers", form.name);
    let name = form.name.clone();
    let status = form.status.clone();
    let summary = format!(
        "{} · {} trunk{} · CPS {} · channels {}",
        form.currency,
        trunks.len(),
        if trunks.len() == 1 { "" } else { "s" },
        form.max_cps.parse().map_or(form.max_cps.clone(), limit),
        form.max_channels
            .parse()
            .map_or(form.max_channels.clone(), limit),
    );
    view! {
        <Title text=title/>
        <div class="crumbs"><a href=format!("{base}/carriers")>"Carriers"</a>" / "{name.clone()}</div>
        <div class="page-head">
            <h1>{name}" "{status_badge(&status)}</h1>
            <span class="muted">{summary}</span>
        </div>
        <Show when=move || saved.get().is_some()><div class="notice-ok" role="status">"Carrier saved."</div></Show>
        <ContentTabs tabs=if base == "/admin" { STAFF_TABS } else { TABS } current=tab/>
        <div hidden=move || !matches!(tab.get().as_str(), "general" | "limits" | "contacts")>
            <CarrierEditor id=Some(id) form tab save/>
        </div>
        <div hidden=move || tab.get() != "trunks">
            <Trunks carrier_id=id trunks save=save_trunk delete=delete_trunk/>
        </div>
        <div hidden=move || tab.get() != "decks"><CarrierDecks carrier_id=id decks/></div>
        {(base == "/admin").then(|| view! {
            <div hidden=move || tab.get() != "users">
                <p class="muted">"Portal users sign in to the Carrier portal, where they upload this carrier's rate decks and follow their import; you activate them."</p>
                <PortalUsers users owner="carrier" owner_id=id action=add_user/>
            </div>
        })}
        <div hidden=move || tab.get() != "quality"><QualityTables sections=quality/></div>
        <div hidden=move || tab.get() != "activity"><ActivityTable rows=activity/></div>
    }
}

/// The carrier's ASR, ACD, PDD and NER from its CDRs, in totals and split.
#[component]
fn QualityTables(sections: Vec<super::dto::QualitySection>) -> impl IntoView {
    view! {
        <p class="muted">"From the CDRs this carrier carried. ASR: answered calls per attempt. ACD: average connected time of an answered call. PDD: average time from the call's start to the first ringing (180/183), over the calls whose ringing time the switch reported. NER: attempts that reached the callee (answered, or busy, unanswered or declined by the callee) per attempt: a low NER with a normal ASR points at the carrier's network, not the callees."</p>
        {sections.into_iter().enumerate().map(|(i, s)| {
            let id = if i == 0 { "carrier-quality".to_owned() } else { format!("carrier-quality-{i}") };
            view! {
                {(i > 0).then(|| view! { <h2>{s.title.clone()}</h2> })}
                {if s.rows.is_empty() {
                    view! { <p class="empty">"No call in this period."</p> }.into_any()
                } else {
                    view! {
                        <table class="data-table" id=id>
                            <thead><tr>
                                <th scope="col">{s.column.clone()}</th><th scope="col" class="num">"Attempts"</th><th scope="col" class="num">"Answered"</th>
                                <th scope="col" class="num">"ASR"</th><th scope="col" class="num">"ACD"</th><th scope="col" class="num">"PDD"</th>
                                <th scope="col" class="num">"NER"</th><th scope="col" class="num">"Minutes"</th>
                            </tr></thead>
                            <tbody>
                                {s.rows.into_iter().map(|r| view! {
                                    <tr>
                                        <td class="nowrap">{r.period}</td><td class="num">{r.attempts}</td><td class="num">{r.answered}</td>
                                        <td class="num">{r.asr}</td><td class="num">{r.acd}</td><td class="num">{r.pdd}</td>
                                        <td class="num">{r.ner}</td><td class="num">{r.minutes}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            }
        }).collect_view()}
    }
}

/// The carrier page's tabs; staff also see its portal users.
const TABS: &[(&str, &str)] = &[
    ("general", "General"),
    ("limits", "Limits"),
    ("contacts", "Contacts"),
    ("trunks", "Trunks"),
    ("decks", "Rate decks"),
    ("quality", "Quality"),
    ("activity", "Activity"),
];
const STAFF_TABS: &[(&str, &str)] = &[
    ("general", "General"),
    ("limits", "Limits"),
    ("contacts", "Contacts"),
    ("trunks", "Trunks"),
    ("decks", "Rate decks"),
    ("users", "Portal users"),
    ("quality", "Quality"),
    ("activity", "Activity"),
];

const TRUNK_FIELDS: &[&str] = &[
    "name",
    "host",
    "port",
    "transport",
    "username",
    "password",
    "codecs",
    "trunk_id",
];

/// The trunks table, and the form of the trunk being edited (`?trunk=ID`) or of a new one.
#[component]
fn Trunks(
    carrier_id: i64,
    trunks: Vec<TrunkRow>,
    save: ServerAction<SaveTrunk>,
    delete: ServerAction<DeleteTrunk>,
) -> impl IntoView {
    let base = operator_base();
    let all = trunks.clone();
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let trunk_saved = query_value("trunk_saved");
    let trunk_deleted = query_value("trunk_deleted");
    let table = if trunks.is_empty() {
        view! { <p class="empty">"No trunk yet: add the carrier's SIP address below so the switch can send it calls."</p> }.into_any()
    } else {
        view! {
            <table class="data-table" id="trunks">
                <thead><tr>
                    <th scope="col">"Trunk"</th><th scope="col">"Address"</th><th scope="col">"Authentication"</th>
                    <th scope="col">"Codecs"</th><th scope="col">"State"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {trunks.into_iter().map(|t| {
                        view! {
                            <tr>
                                <td>{t.name.clone()}</td>
                                <td><code>{t.address.clone()}</code></td>
                                <td>{if t.username.is_empty() { "IP".to_owned() } else { format!("Digest: {}", t.username) }}</td>
                                <td>{t.codecs.replace(',', ", ")}</td>
                                <td>{if t.enabled {
                                    view! { <span class="badge badge-ok">"Enabled"</span> }.into_any()
                                } else {
                                    view! { <span class="badge badge-off">"Disabled"</span> }.into_any()
                                }}</td>
                                <td class="row-actions">
                                    <a class="btn btn-secondary btn-small" href=format!("{base}/carriers/{carrier_id}?tab=trunks&trunk={}", t.id)
                                        aria-label=format!("Edit trunk {}", t.name)>"Edit"</a>
                                    // Two steps, with or without JavaScript: Delete opens the confirmation.
                                    <details class="confirm">
                                        <summary class="btn btn-secondary btn-small">"Delete"</summary>
                                        <ActionForm action=delete attr:class="inline">
                                            <input type="hidden" name="carrier_id" value=carrier_id/>
                                            <input type="hidden" name="trunk_id" value=t.id/>
                                            <button type="submit" class="btn btn-danger btn-small">{format!("Delete trunk {}", t.name)}</button>
                                        </ActionForm>
                                    </details>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    let editing_id = query_value("trunk");
    let form = move || {
        let id = editing_id.get().and_then(|v| v.parse::<i64>().ok());
        let editing = id.and_then(|id| all.iter().find(|t| t.id == id).cloned());
        view! { <TrunkForm carrier_id editing save/> }
    };
    view! {
        <Show when=move || trunk_saved.get().is_some() && !matches!(save.value().get(), Some(Err(_)))>
            <div class="notice-ok" role="status">"Trunk saved."</div>
        </Show>
        <Show when=move || trunk_deleted.get().is_some() && !matches!(delete.value().get(), Some(Err(_)))>
            <div class="notice-ok" role="status">"Trunk deleted."</div>
        </Show>
        <FormError error=delete_error fields=&[]/>
        {table}
        {form}
    }
}

/// The form of a new trunk, or of `editing`.
#[component]
fn TrunkForm(
    carrier_id: i64,
    editing: Option<TrunkRow>,
    save: ServerAction<SaveTrunk>,
) -> impl IntoView {
    let base = operator_base();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let editing_id = editing.as_ref().map(|t| t.id);
    let heading = editing.as_ref().map_or("Add a trunk".to_owned(), |t| {
        format!("Edit trunk {}", t.name)
    });
    let t = editing.clone();
    let value = move |f: fn(&TrunkRow) -> String| t.as_ref().map(f).unwrap_or_default();
    let enabled = editing.as_ref().is_none_or(|t| t.enabled);
    let has_secret = editing.as_ref().is_some_and(|t| !t.username.is_empty());
    view! {
        <h2>{heading}</h2>
        <ActionForm action=save attr:id="trunk-form">
            <FormError error fields=TRUNK_FIELDS/>
            <input type="hidden" name="carrier_id" value=carrier_id/>
            <input type="hidden" name="trunk_id" value=editing_id.map(|v| v.to_string()).unwrap_or_default()/>
            <div class="panel">
                <Field name="name" id="trunk-name" label="Name" required=true value=value(|t| t.name.clone()) error help="Like Primary or Backup; unique for this carrier."/>
                <Field name="host" label="Host" required=true value=value(|t| t.host.clone()) error
                    help="IP address or host name of the carrier's SIP server, like 203.0.113.10 or sip.carrier.example."/>
                <Field name="port" label="Port" kind="number" value=value(|t| t.port.to_string()) error help="Empty for 5060 (5061 with TLS)."/>
                <SelectField name="transport" label="Transport" selected=value(|t| t.transport.clone()) error
                    options=TRANSPORTS.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()/>
                <Field name="username" label="User name" value=value(|t| t.username.clone()) error autocomplete="off"
                    help="For digest authentication; leave user name and password empty when the carrier authenticates your IP."/>
                <Field name="password" label="Password" kind="password" error autocomplete="new-password"
                    help=if has_secret { "Stored and never shown: leave empty to keep it." } else { "The digest password the carrier gave you." }/>
                <Field name="codecs" label="Codecs" value=value(|t| t.codecs.clone()) error
                    help="In preference order, comma-separated: PCMA, PCMU, G729, G722, opus, GSM, iLBC. Empty for PCMA, PCMU."/>
                <div class="check">
                    <input type="checkbox" id="trunk-enabled" name="enabled" value="on" checked=enabled/>
                    <label for="trunk-enabled">" Enabled: the switch may send calls to this trunk"</label>
                </div>
                <button type="submit" class="btn btn-primary">{if editing.is_some() { "Save trunk" } else { "Add trunk" }}</button>
                {editing.is_some().then(|| view! {
                    <a class="btn btn-secondary cancel-edit" href=format!("{base}/carriers/{carrier_id}?tab=trunks")>"Cancel"</a>
                })}
            </div>
        </ActionForm>
    }
}
