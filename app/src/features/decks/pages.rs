//! The Rate decks tab of a carrier and a deck's page. Uploads are plain multipart form posts
//! (they work without JavaScript); while a deck imports, its page refreshes itself (every second
//! with JavaScript, every two seconds without).

use super::api::{ActivateDeck, ExportDeck, ImportDeck, get_deck_page};
use super::dto::decks_path;
use super::dto::{ChangeCounts, DeckPage, DeckRow, ExportRow, OptionsForm, PreviewDto, RefusedRow};
use crate::features::reports::impact::{ImpactLink, ImpactPanel, ImpactResource, deck_impact};
use crate::ui::fields::FormError;
use crate::ui::page::operator_base;
use crate::ui::page::{ContentTabs, ErrorPanel, query_string};
use domain::deck_import::ColumnRole;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

fn state_badge(state: &str, label: &str) -> impl IntoView + use<> {
    let class = match state {
        "in_force" => "badge badge-ok",
        "imported" | "scheduled" | "importing" | "uploaded" => "badge badge-warn",
        "failed" => "badge badge-off",
        _ => "badge badge-off",
    };
    view! { <span class=class>{label.to_owned()}</span> }
}

/// The Rate decks tab: the carrier's decks, newest first, and the upload form.
#[component]
pub fn CarrierDecks(carrier_id: i64, decks: Vec<DeckRow>) -> impl IntoView {
    let base = operator_base();
    let query = use_query_map();
    let upload_error = move || query.read().get("deck_error").filter(|e| !e.is_empty());
    view! {
        {if decks.is_empty() {
            view! {
                <p class="empty">"No rate deck yet: upload the carrier's deck below (CSV, TXT or XLSX, up to 100 MB)."</p>
            }.into_any()
        } else {
            view! { <DecksTable rows=decks carrier_id base/> }.into_any()
        }}
        <h2>"Upload a rate deck"</h2>
        {move || upload_error().map(|m| view! { <div class="notice-error" role="alert">{m}</div> })}
        <form method="post" action=decks_path(base, carrier_id) enctype="multipart/form-data" class="panel" id="deck-upload">
            <div class="field">
                <label for="deck-file"><strong>"Deck file"</strong></label>
                <input id="deck-file" type="file" name="deck" required=true accept=".csv,.txt,.tsv,.xlsx,.xls,.ods"/>
                <p class="muted">"CSV or TXT (any of , ; tab |, UTF-8 or Latin-1) or a spreadsheet, up to 100 MB. Columns are detected from the header; you check them on the next page before anything is imported."</p>
            </div>
            <div class="field">
                <label for="deck-from"><strong>"Effective from (UTC)"</strong></label>
                <input id="deck-from" type="datetime-local" name="effective_from"/>
                <p class="muted">"Empty for now. It dates the rows that give no date, and once activated the deck takes over at this time."</p>
            </div>
            <button type="submit" class="btn btn-primary">"Upload deck"</button>
        </form>
    }
}

#[component]
fn DecksTable(rows: Vec<DeckRow>, carrier_id: i64, base: &'static str) -> impl IntoView {
    view! {
        <table class="data-table" id="decks">
            <thead><tr>
                <th scope="col">"Deck"</th><th scope="col">"State"</th><th scope="col">"Effective from"</th>
                <th scope="col" class="num">"Rates"</th><th scope="col" class="num">"Refused rows"</th><th scope="col">"Uploaded"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|d| view! {
                    <tr>
                        <td><a href=format!("{}/{}", decks_path(base, carrier_id), d.id)>{d.file_name}</a><br/><span class="muted">{d.size}</span></td>
                        <td>{state_badge(&d.state, &d.state_label)}</td>
                        <td>{d.effective_from}</td>
                        <td class="num">{d.rows}</td>
                        <td class="num">{d.errors}</td>
                        <td>{d.uploaded_at}<br/><span class="muted">{d.uploaded_by}</span></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Carrier portal > Rate decks: the signed-in carrier's decks, newest first, with their states,
/// and the upload form (the same as the operator's Rate decks tab).
#[component]
pub fn MyDecksPage() -> impl IntoView {
    let decks = Resource::new(|| (), |()| super::api::my_decks());
    view! {
        <Title text="Rate decks"/>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match decks.await {
                    Ok((carrier_id, name, decks)) => view! {
                        <div class="page-head"><h1>"Rate decks"</h1><span class="muted">{name}</span></div>
                        <p class="muted">"Upload your rate deck: you check the detected columns and the rate changes before it is imported, and the operator activates it."</p>
                        <CarrierDecks carrier_id decks/>
                    }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Carriers > carrier > one deck.
#[component]
pub fn DeckDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move |k: &str| {
        params
            .read()
            .get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let q = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let import = ServerAction::<ImportDeck>::new();
    let activate = ServerAction::<ActivateDeck>::new();
    let export = ServerAction::<ExportDeck>::new();
    let tick = RwSignal::new(0u32);
    let page = Resource::new(
        move || {
            (
                (id("id"), id("deck")),
                (
                    q("columns"),
                    q("header"),
                    q("dates"),
                    q("strip"),
                    q("strict"),
                ),
                (q("notice"), q("from"), q("change"), q("prefix")),
                q("page").and_then(|p| p.parse::<u64>().ok()),
                (
                    import.version().get(),
                    activate.version().get(),
                    export.version().get(),
                    tick.get(),
                ),
            )
        },
        |(
            (carrier, deck),
            (columns, header, dates, strip, strict),
            (notice, from, change, prefix),
            page,
            _,
        )| {
            get_deck_page(
                carrier, deck, columns, header, dates, strip, strict, notice, from, change, prefix,
                page,
            )
        },
    );
    // While importing or exporting (DeckView says so), fetch the page again every second.
    let importing = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if importing.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let impact: ImpactResource = Resource::new(
        move || (id("id"), id("deck"), q("impact").is_some()),
        |(carrier, deck, show)| async move {
            if show {
                deck_impact(carrier, deck).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <DeckView data import activate export importing/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
        <ImpactPanel impact/>
    }
}

#[component]
fn DeckView(
    data: DeckPage,
    import: ServerAction<ImportDeck>,
    activate: ServerAction<ActivateDeck>,
    export: ServerAction<ExportDeck>,
    importing: RwSignal<bool>,
) -> impl IntoView {
    let base = operator_base();
    let query = use_query_map();
    let activated = move || query.read().get("activated").is_some();
    let DeckPage {
        carrier_id,
        carrier,
        deck,
        preview,
        options,
        progress,
        counts,
        changes,
        refused,
        refused_total,
        rates,
        rates_total,
        rates_page,
        exports,
    } = data;
    let carrier_href = format!("{base}/carriers/{carrier_id}");
    let deck_id = deck.id;
    let is_importing = progress.is_some()
        || exports
            .iter()
            .any(|e| matches!(e.status.as_str(), "queued" | "running"));
    Effect::new(move |_| importing.set(is_importing));
    let title = format!("{} · {}", deck.file_name, carrier);
    let activate_error = Signal::derive(move || activate.value().get().and_then(Result::err));
    let facts = format!(
        "{} · {} · effective from {} · uploaded {} by {}",
        deck.size, deck.currency, deck.effective_from, deck.uploaded_at, deck.uploaded_by
    );
    view! {
        <Title text=title/>
        {is_importing.then(|| view! { <noscript><Meta http_equiv="refresh" content="2"/></noscript> })}
        <div class="crumbs">
            {if base == "/carrier" {
                view! { <a href="/carrier/decks">"Rate decks"</a> }.into_any()
            } else {
                view! { <a href=format!("{base}/carriers")>"Carriers"</a>" / "<a href=format!("{carrier_href}?tab=decks")>{carrier.clone()}</a> }.into_any()
            }}
            " / "{deck.file_name.clone()}
        </div>
        <div class="page-head">
            <h1>{deck.file_name.clone()}" "{state_badge(&deck.state, &deck.state_label)}</h1>
        </div>
        <p class="muted">{facts}</p>
        <Show when=activated><div class="notice-ok" role="status">"Deck activated."</div></Show>
        {(deck.state == "failed").then(|| view! {
            <div class="notice-error" role="alert">{format!("The import failed: {}. Check the columns and options below and import again; the deck in force is unchanged.", deck.message)}</div>
        })}
        {progress.map(|(done, total, message)| view! {
            <div class="panel" id="import-progress">
                <h2>"Importing"</h2>
                <progress class="wide" max=total.max(1) value=done aria-label="Import progress"></progress>
                " "{format!("{}% · {message}", done * 100 / total.max(1))}
                <p class="muted">"This page updates by itself. The deck in force stays in force until you activate this one."</p>
            </div>
        })}
        {preview.map(|p| view! { <PreviewSection preview=p options carrier_id deck_id import/> })}
        {counts.map(|c| view! {
            <ImportedSection counts=c deck=deck.clone() carrier_id changes refused refused_total rates rates_total rates_page activate activate_error exports export/>
        })}
    }
}

/// What was wrong with the options form, each problem named by its field's label (the option
/// inputs show no message of their own).
fn option_problems(err: &crate::error::AppError) -> String {
    let crate::error::AppError::Validation(problems) = err else {
        return err.to_string();
    };
    let named: Vec<String> = problems
        .iter()
        .map(|p| {
            let label = match p.field.as_str() {
                "header" => "Header row".to_owned(),
                "dates" => "Dates".to_owned(),
                "strip" => "Digits to remove from every prefix".to_owned(),
                "notice" => "Notice period".to_owned(),
                "from" => "Effective from".to_owned(),
                "deck" => "Deck".to_owned(),
                f => f
                    .strip_prefix("columns[")
                    .and_then(|c| c.strip_suffix(']'))
                    .and_then(|c| c.parse::<usize>().ok())
                    .map_or_else(|| f.to_owned(), |c| format!("Column {}", c + 1)),
            };
            format!("{label}: {}", p.message)
        })
        .collect();
    format!("{}.", named.join("; "))
}

#[component]
fn PreviewSection(
    preview: Result<PreviewDto, String>,
    options: OptionsForm,
    carrier_id: i64,
    deck_id: i64,
    import: ServerAction<ImportDeck>,
) -> impl IntoView {
    let error = Signal::derive(move || import.value().get().and_then(Result::err));
    let (columns, summary) = match preview {
        Ok(p) => (p.columns.clone(), Ok(p)),
        Err(message) => (Vec::new(), Err(message)),
    };
    let chosen = options.columns.clone();
    view! {
        <h2>"Check the columns, then import"</h2>
        {match &summary {
            Ok(PreviewDto { problem: Some(problem), .. }) => view! {
                <div class="notice-error" role="alert">{format!("This file cannot be imported as it is: {problem}. Adjust the columns and options below and preview again, or upload a corrected file.")}</div>
            }.into_any(),
            Ok(p) => view! {
                <p>{format!("{} rates ({} prefixes) would be imported; {} rows would be refused. File: {}.", p.rows, p.prefixes, p.error_count, p.format)}</p>
                {(!p.warnings.is_empty()).then(|| view! {
                    <ul class="warnings">{p.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                })}
            }.into_any(),
            Err(message) => view! {
                <div class="notice-error" role="alert">{format!("This file cannot be read: {message}. Upload the carrier's deck again as CSV or XLSX.")}</div>
            }.into_any(),
        }}
        <ActionForm action=import attr:id="deck-import">
            {move || error.get().map(|e| view! {
                <div class="notice-error" role="alert" id="deck-options-error">{option_problems(&e)}</div>
            })}
            <input type="hidden" name="carrier_id" value=carrier_id/>
            <input type="hidden" name="deck_id" value=deck_id/>
            {(!columns.is_empty()).then(|| view! {
                <table class="data-table mapping">
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"Read as"</th><th scope="col">"First values"</th></tr></thead>
                    <tbody>
                        {columns.into_iter().map(|c| {
                            let role = chosen.as_ref().and_then(|cs| cs.get(c.index).cloned()).unwrap_or(c.role.clone());
                            let id = format!("column-{}", c.index);
                            view! {
                                <tr>
                                    <td><label for=id.clone()>{c.header.clone()}</label></td>
                                    <td>
                                        <select id=id name=format!("columns[{}]", c.index)>
                                            <option value="" selected=role.is_empty()>"— not used —"</option>
                                            {ColumnRole::ALL.into_iter().map(|r| view! {
                                                <option value=r.key() selected=role == r.key()>{r.label()}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                    <td class="muted wrap">{c.samples.join(" · ")}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <div class="panel options">
                <div class="field">
                    <label for="opt-header"><strong>"Header row"</strong></label>
                    <select id="opt-header" name="header">
                        <option value="" selected=options.header.is_empty()>"Detect"</option>
                        <option value="yes" selected=options.header == "yes">"The first row is the header"</option>
                        <option value="no" selected=options.header == "no">"No header row"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="opt-dates"><strong>"Dates like 03/04/2026"</strong></label>
                    <select id="opt-dates" name="dates">
                        <option value="" selected=options.dates.is_empty()>"Detect (ambiguity is reported)"</option>
                        <option value="dmy" selected=options.dates == "dmy">"Day first (3 April)"</option>
                        <option value="mdy" selected=options.dates == "mdy">"Month first (March 4)"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="opt-strip"><strong>"Digits to remove from every prefix"</strong></label>
                    <input id="opt-strip" name="strip" value=options.strip.clone() inputmode="numeric"/>
                    <p class="muted">"An international access code in front of the country code, like 00 or 11."</p>
                </div>
                <div class="field">
                    <label for="opt-notice"><strong>"Notice period for increases (days)"</strong></label>
                    <input id="opt-notice" name="notice" type="number" min="0" max="365" value=options.notice.clone() placeholder="7"/>
                </div>
                <div class="field">
                    <label for="opt-from"><strong>"Effective from (UTC)"</strong></label>
                    <input id="opt-from" name="from" type="datetime-local" value=options.from.clone()/>
                </div>
                <div class="check">
                    <input type="checkbox" id="opt-strict" name="strict" value="on" checked=options.strict/>
                    <label for="opt-strict">" Strict: refuse the whole deck if any row is bad"</label>
                </div>
                <div class="head-actions">
                    <button type="submit" name="preview" value="1" class="btn btn-secondary">"Preview again"</button>
                    <button type="submit" class="btn btn-primary">"Import deck"</button>
                </div>
            </div>
        </ActionForm>
        {summary.ok().filter(|p| !p.errors.is_empty()).map(|p| view! {
            <h2>{format!("Rows that would be refused ({})", p.error_count)}</h2>
            <RefusedTable rows=p.errors/>
        })}
    }
}

#[component]
fn RefusedTable(rows: Vec<RefusedRow>) -> impl IntoView {
    view! {
        <table class="data-table" id="refused">
            <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Column"</th><th scope="col">"Value"</th><th scope="col">"Reason"</th><th scope="col">"Row as read"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr><td class="num">{r.line}</td><td>{r.column}</td><td><code>{r.value}</code></td><td class="wrap">{r.reason}</td><td class="wrap"><code>{r.row}</code></td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn ImportedSection(
    counts: ChangeCounts,
    deck: DeckRow,
    carrier_id: i64,
    changes: Vec<super::dto::ChangeRow>,
    refused: Vec<RefusedRow>,
    refused_total: u64,
    rates: Vec<super::dto::RateLine>,
    rates_total: u64,
    rates_page: u64,
    activate: ServerAction<ActivateDeck>,
    activate_error: Signal<Option<crate::error::AppError>>,
    exports: Vec<ExportRow>,
    export: ServerAction<ExportDeck>,
) -> impl IntoView {
    let base = operator_base();
    let query = use_query_map();
    let deck_id = deck.id;
    let link = move |set: &'static [(&'static str, &'static str)]| {
        let q = query_string(&query.read_untracked(), set, &["page", "activated"]);
        format!("{}/{deck_id}{q}", decks_path(base, carrier_id))
    };
    let compared = counts.previous.clone().map_or(
        "No deck was in force: every prefix is new.".to_owned(),
        |p| format!("Compared with {p}, the deck in force at this deck's effective date."),
    );
    let errors_csv = format!("{}/{}/errors.csv", decks_path(base, carrier_id), deck.id);
    let prefix = query.read_untracked().get("prefix").unwrap_or_default();
    let pages = rates_total.div_ceil(50).max(1);
    let tab = Signal::derive(move || {
        query
            .read()
            .get("tab")
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "changes".to_owned())
    });
    view! {
        <div class="panel" id="deck-summary">
            <p>{format!("{} rates, {} prefixes imported; {} rows refused.", deck.rows, deck.prefixes, deck.errors)}</p>
            {(!deck.message.is_empty()).then(|| view! { <p class="muted">{format!("Warnings: {}", deck.message)}</p> })}
            {deck.activated.clone().map(|a| view! { <p>{format!("Activated {a}.")}</p> })}
            {(deck.state == "imported" && base == "/carrier").then(|| view! {
                <p class="notice-ok" role="status">"Imported. The operator reviews the rate changes and activates the deck; until then your deck in force stays in force."</p>
            })}
            {(deck.state == "imported" && base != "/carrier").then(|| view! {
                <ActionForm action=activate attr:class="inline">
                    <FormError error=activate_error fields=&[]/>
                    <input type="hidden" name="carrier_id" value=carrier_id/>
                    <input type="hidden" name="deck_id" value=deck.id/>
                    <p>{format!("Activating makes this deck the carrier's rates from {} (at once if that time has passed); the deck in force until then stays in the history.", deck.effective_from)}</p>
                    <button type="submit" class="btn btn-primary">"Activate deck"</button>
                </ActionForm>
            })}
            {((deck.state == "imported" || deck.state == "scheduled") && base != "/carrier").then(|| view! { <ImpactLink/> })}
        </div>
        <ContentTabs tabs=&[("changes", "Rate changes"), ("refused", "Refused rows"), ("rates", "Rates"), ("export", "Export")] current=tab/>
        <div hidden=move || tab.get() != "changes">
        <p class="muted">{compared}</p>
        <ul class="chips" id="change-counts">
            <li><a href=link(&[("tab", "changes"), ("change", "new")])>{format!("{} new", counts.new)}</a></li>
            <li><a href=link(&[("tab", "changes"), ("change", "increased")])>{format!("{} increased", counts.increased)}</a></li>
            <li><a href=link(&[("tab", "changes"), ("change", "decreased")])>{format!("{} decreased", counts.decreased)}</a></li>
            <li><a href=link(&[("tab", "changes"), ("change", "removed")])>{format!("{} removed", counts.removed)}</a></li>
            <li>{format!("{} unchanged", counts.unchanged)}</li>
            <li><a href=link(&[("tab", "changes"), ("change", "")])>"All changes"</a></li>
        </ul>
        {(counts.short_notice > 0).then(|| view! {
            <div class="notice-error" role="alert">{format!("{} increase(s) take effect within the {}-day notice period: they are listed first and marked.", counts.short_notice, counts.notice_days)}</div>
        })}
        {if changes.is_empty() {
            view! { <p class="empty">"No change of this kind."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="changes">
                    <thead><tr><th scope="col">"Prefix"</th><th scope="col">"Destination"</th><th scope="col">"Change"</th>
                        <th scope="col" class="num">"Old rate"</th><th scope="col" class="num">"New rate"</th><th scope="col">"Effective"</th></tr></thead>
                    <tbody>
                        {changes.into_iter().map(|c| view! {
                            <tr>
                                <td>{c.prefix}</td><td>{c.destination}</td>
                                <td>{c.change}{c.short_notice.then(|| view! { <span class="badge badge-off short-notice">"short notice"</span> })}</td>
                                <td class="num">{c.old_rate}</td><td class="num">{c.new_rate}</td><td>{c.effective_from}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        </div>
        <div hidden=move || tab.get() != "refused">
        <h2>{format!("Refused rows ({refused_total})")}</h2>
        {if refused.is_empty() {
            view! { <p class="empty">"Every row was imported."</p> }.into_any()
        } else {
            view! {
                <p><a href=errors_csv class="btn btn-secondary" download="refused-rows.csv">"Download refused rows (CSV)"</a></p>
                <RefusedTable rows=refused/>
            }.into_any()
        }}
        </div>
        <div hidden=move || tab.get() != "rates">
        <form method="GET" action="" class="filters">
            <input type="hidden" name="tab" value="rates"/>
            <input type="search" name="prefix" placeholder="Prefix starts with…" aria-label="Search rates by prefix" value=prefix inputmode="numeric"/>
            <button type="submit" class="btn btn-secondary">"Search"</button>
        </form>
        <table class="data-table" id="rates">
            <thead><tr><th scope="col">"Prefix"</th><th scope="col">"Destination"</th><th scope="col">"A-Z"</th><th scope="col" class="num">"Rate / min"</th>
                <th scope="col" class="num">"Connection"</th><th scope="col">"Increments"</th><th scope="col">"Validity"</th></tr></thead>
            <tbody>
                {rates.into_iter().map(|r| view! {
                    <tr><td>{r.prefix}</td><td>{r.destination}</td><td class="muted">{r.az}</td><td class="num">{r.rate}</td><td class="num">{r.connection_fee}</td><td>{r.increment}</td><td>{r.validity}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted">
            {format!("Page {rates_page} of {pages} · {rates_total} rates ")}
            {(rates_page > 1).then(|| { let href = format!("{}/{deck_id}{}", decks_path(base, carrier_id), query_string(&query.read_untracked(), &[("page", &(rates_page - 1).to_string())], &["activated"])); view! { <a href=href class="pager-link">"Previous"</a> } })}
            {(rates_page < pages).then(|| { let href = format!("{}/{deck_id}{}", decks_path(base, carrier_id), query_string(&query.read_untracked(), &[("page", &(rates_page + 1).to_string())], &["activated"])); view! { <a href=href class="pager-link">"Next"</a> } })}
        </p>
        </div>
        <div hidden=move || tab.get() != "export">
            <ExportPanel carrier_id deck_id exports export/>
        </div>
    }
}

#[component]
fn ExportPanel(
    carrier_id: i64,
    deck_id: i64,
    exports: Vec<ExportRow>,
    export: ServerAction<ExportDeck>,
) -> impl IntoView {
    let error = Signal::derive(move || export.value().get().and_then(Result::err));
    view! {
        <ActionForm action=export attr:id="deck-export" attr:class="filters">
            <FormError error fields=&["format", "deck"]/>
            <input type="hidden" name="carrier_id" value=carrier_id/>
            <input type="hidden" name="deck_id" value=deck_id/>
            <label for="export-format">"Format"</label>
            <select id="export-format" name="format">
                <option value="csv">"CSV"</option>
                <option value="xlsx">"XLSX (Excel)"</option>
            </select>
            <button type="submit" class="btn btn-primary">"Export deck"</button>
        </ActionForm>
        <p class="muted">"Every rate of this deck in prefix order, with the column names the importer reads, so the file can be edited and uploaded again. Large decks take a few seconds; this page updates by itself."</p>
        {if exports.is_empty() {
            view! { <p class="empty">"No export yet."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="exports">
                    <thead><tr><th scope="col">"Requested"</th><th scope="col">"Format"</th><th scope="col">"Status"</th><th scope="col">"File"</th></tr></thead>
                    <tbody>
                        {exports.into_iter().map(|e| view! {
                            <tr>
                                <td>{e.requested}</td>
                                <td>{e.format}</td>
                                <td>{e.status}</td>
                                <td class="wrap">
                                    {match e.href {
                                        Some(href) => view! { <a href=href download="">{format!("Download · {}", e.detail)}</a> }.into_any(),
                                        None => view! { <span>{e.detail}</span> }.into_any(),
                                    }}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
