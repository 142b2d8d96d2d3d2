use super::dto::{DeckPage, DeckRow};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod convert {
    use super::super::dto::{
        ChangeCounts, ChangeRow, DeckRow, OptionsForm, PreviewColumn, PreviewDto, RateLine,
        RefusedRow,
    };
    use crate::features::users::api::convert::time;
    use chrono::{DateTime, NaiveDateTime, Utc};
    use domain::deck_import::{ColumnMapping, ColumnRole, DateOrder};
    use services::ServiceError;
    use services::decks::{DeckInfo, DeckOptions, DeckPreview, DeckState};
    use services::entities::{rate_deck_changes, rate_deck_errors, rate_deck_rows};

    fn state_key(state: DeckState) -> &'static str {
        match state {
            DeckState::Uploaded => "uploaded",
            DeckState::Importing => "importing",
            DeckState::Failed => "failed",
            DeckState::Imported => "imported",
            DeckState::InForce => "in_force",
            DeckState::Scheduled => "scheduled",
            DeckState::Superseded => "superseded",
        }
    }

    /// `1.2 MB`, `850 KB`, `12 bytes`.
    pub fn size(bytes: i64) -> String {
        match bytes {
            b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
            b if b >= 1_000 => format!("{} KB", b / 1_000),
            b => format!("{b} bytes"),
        }
    }

    /// An export as the deck page lists it; `progress` is its job's, while it runs.
    pub fn export(
        e: services::entities::rate_deck_exports::Model,
        progress: Option<(i64, i64, String)>,
        page: &str,
    ) -> super::super::dto::ExportRow {
        let detail = match e.status.as_str() {
            "done" => format!("{} rates · {}", e.rows, size(e.bytes)),
            "failed" => format!("Failed: {}", e.message),
            _ => match progress {
                Some((done, total, message)) => {
                    format!("{}% · {message}", done * 100 / total.max(1))
                }
                None => "waiting for a worker".to_owned(),
            },
        };
        super::super::dto::ExportRow {
            id: e.id,
            format: e.format.to_uppercase(),
            href: (e.status == "done").then(|| format!("{page}/exports/{}", e.id)),
            status: e.status,
            detail,
            requested: format!("{} by {}", time(e.created_at), e.requested_by),
        }
    }

    pub fn deck(info: DeckInfo) -> DeckRow {
        let d = info.deck;
        DeckRow {
            id: d.id,
            file_name: d.file_name,
            size: size(d.file_size),
            state: state_key(info.state).to_owned(),
            state_label: info.state.label().to_owned(),
            effective_from: time(d.effective_from),
            rows: d.row_count,
            prefixes: d.prefix_count,
            errors: d.error_count,
            uploaded_by: d.uploaded_by,
            uploaded_at: time(d.created_at),
            activated: d
                .activated_at
                .map(|at| format!("{} by {}", time(at), d.activated_by.unwrap_or_default())),
            message: d.message,
            currency: d.currency,
        }
    }

    pub fn counts(info: &DeckInfo, previous: Option<String>) -> ChangeCounts {
        let s = &info.summary;
        ChangeCounts {
            previous,
            new: s.new,
            removed: s.removed,
            increased: s.increased,
            decreased: s.decreased,
            unchanged: s.unchanged,
            short_notice: s.short_notice,
            notice_days: s.notice_days,
        }
    }

    pub fn refused(e: rate_deck_errors::Model) -> RefusedRow {
        RefusedRow {
            line: e.line,
            column: e.column_name.unwrap_or_default(),
            value: e.value,
            reason: e.message,
        }
    }

    pub fn change(c: rate_deck_changes::Model) -> ChangeRow {
        ChangeRow {
            prefix: c.prefix,
            destination: c.destination,
            change: c.change,
            old_rate: c.old_rate.unwrap_or_default(),
            new_rate: c.new_rate.unwrap_or_default(),
            effective_from: time(c.effective_from),
            short_notice: c.short_notice,
        }
    }

    pub fn rate(az: &domain::destinations::DestinationIndex, r: rate_deck_rows::Model) -> RateLine {
        let increment = if r.minimum_seconds > 0 {
            format!(
                "{}/{} (min {} s)",
                r.initial_increment, r.next_increment, r.minimum_seconds
            )
        } else {
            format!("{}/{}", r.initial_increment, r.next_increment)
        };
        let az = domain::number::Prefix::parse(&r.prefix)
            .ok()
            .and_then(|p| az.lookup_prefix(p))
            .map_or_else(String::new, |d| format!("{} · {}", d.name, d.kind.label()));
        RateLine {
            az,
            prefix: r.prefix,
            destination: r.destination,
            rate: r.rate,
            connection_fee: r.connection_fee,
            increment,
            validity: match r.effective_to {
                Some(to) => format!("{} – {}", time(r.effective_from), time(to)),
                None => format!("from {}", time(r.effective_from)),
            },
        }
    }

    pub fn preview(p: DeckPreview) -> PreviewDto {
        let width = p
            .sample
            .iter()
            .map(Vec::len)
            .chain([p.headers.len()])
            .max()
            .unwrap_or(0);
        let columns = (0..width)
            .map(|c| PreviewColumn {
                index: c,
                header: p
                    .headers
                    .get(c)
                    .filter(|h| !h.trim().is_empty())
                    .cloned()
                    .unwrap_or_else(|| format!("Column {}", c + 1)),
                samples: p
                    .sample
                    .iter()
                    .take(5)
                    .map(|row| row.get(c).cloned().unwrap_or_default())
                    .collect(),
                role: p
                    .mapping
                    .columns
                    .iter()
                    .find(|(_, col)| **col == c)
                    .map(|(role, _)| role.key().to_owned())
                    .unwrap_or_default(),
            })
            .collect();
        let format = match p.delimiter {
            _ if p.problem.is_some() => String::new(),
            Some(',') => format!("{}, comma-separated", p.encoding),
            Some(';') => format!("{}, semicolon-separated", p.encoding),
            Some('\t') => format!("{}, tab-separated", p.encoding),
            Some(d) => format!("{}, separated by `{d}`", p.encoding),
            None => "spreadsheet (first sheet)".to_owned(),
        };
        PreviewDto {
            columns,
            rows: p.rows,
            prefixes: p.prefixes,
            error_count: p.error_count,
            errors: p
                .errors
                .into_iter()
                .map(|e| RefusedRow {
                    line: e.line as i64,
                    column: e.column.clone().unwrap_or_default(),
                    value: e.value.clone(),
                    reason: e.kind.to_string(),
                })
                .collect(),
            warnings: p.warnings,
            format,
            problem: p.problem,
        }
    }

    /// The service's options from the form's values, naming the bad field.
    pub fn options(
        form: &OptionsForm,
    ) -> Result<(DeckOptions, Option<DateTime<Utc>>), ServiceError> {
        let mut checks = services::validate::Checks::new();
        let has_header = match form.header.as_str() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                checks.fail("header", "must be detect, yes or no");
                None
            }
        };
        let date_order = match form.dates.as_str() {
            "" => None,
            "dmy" => Some(DateOrder::DayMonthYear),
            "mdy" => Some(DateOrder::MonthDayYear),
            _ => {
                checks.fail("dates", "must be detect, day first or month first");
                None
            }
        };
        let strip = form.strip.trim();
        if !strip.chars().all(|c| c.is_ascii_digit()) || strip.len() > 6 {
            checks.fail("strip", "must be up to 6 digits, like 00 or 11");
        }
        let notice_days = match form.notice.trim() {
            "" => None,
            n => match n.parse::<u32>() {
                Ok(d) if d <= 365 => Some(d),
                _ => {
                    checks.fail("notice", "must be a number of days from 0 to 365");
                    None
                }
            },
        };
        let from = match form.from.trim() {
            "" => None,
            t => match NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M") {
                Ok(dt) => Some(dt.and_utc()),
                Err(_) => {
                    checks.fail(
                        "from",
                        "must be a date and time, like 2026-12-01T00:00 (UTC)",
                    );
                    None
                }
            },
        };
        let mapping = form.columns.as_ref().map(|columns| {
            let mut mapping = ColumnMapping::new();
            for (c, key) in columns.iter().enumerate() {
                if key.is_empty() {
                    continue;
                }
                match ColumnRole::from_key(key) {
                    Some(role) if mapping.get(role).is_some() => checks.fail(
                        &format!("columns[{c}]"),
                        format!("{} is already read from another column", role.label()),
                    ),
                    Some(role) => mapping = mapping.clone().with(role, c),
                    None => checks.fail(
                        &format!("columns[{c}]"),
                        format!("`{key}` is not a column role"),
                    ),
                }
            }
            mapping
        });
        checks.finish()?;
        Ok((
            DeckOptions {
                mapping,
                has_header,
                date_order,
                strip_prefix: (!strip.is_empty()).then(|| strip.to_owned()),
                strict: form.strict,
                notice_days,
            },
            from,
        ))
    }

    /// The form's values of stored options.
    pub fn form_of(options: &DeckOptions, from: DateTime<Utc>, width: usize) -> OptionsForm {
        OptionsForm {
            header: match options.has_header {
                None => "",
                Some(true) => "yes",
                Some(false) => "no",
            }
            .to_owned(),
            dates: match options.date_order {
                None => "",
                Some(DateOrder::DayMonthYear) => "dmy",
                Some(DateOrder::MonthDayYear) => "mdy",
            }
            .to_owned(),
            strip: options.strip_prefix.clone().unwrap_or_default(),
            strict: options.strict,
            notice: options
                .notice_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            from: from.format("%Y-%m-%dT%H:%M").to_string(),
            columns: options.mapping.as_ref().map(|m| {
                (0..width)
                    .map(|c| {
                        m.columns
                            .iter()
                            .find(|(_, col)| **col == c)
                            .map(|(r, _)| r.key().to_owned())
                            .unwrap_or_default()
                    })
                    .collect()
            }),
        }
    }
}

/// The carrier whose decks a request is about: a `carrier` user's own (whatever the page sent;
/// 0, which matches none, when it has none), the page's `carrier_id` for the others.
#[cfg(feature = "ssr")]
fn own_carrier(me: &services::users::SignedIn, carrier_id: i64) -> i64 {
    if me.role == domain::access::Role::Carrier {
        me.user.carrier_id.unwrap_or(0)
    } else {
        carrier_id
    }
}

/// The Carrier portal's Rate decks page: the signed-in carrier user's carrier (id, name) and its
/// decks, newest first.
///
/// # Errors
/// `NotFound` for a carrier user without a carrier; `Forbidden` for other roles.
#[server(endpoint = "my_decks")]
pub async fn my_decks() -> Result<(i64, String, Vec<DeckRow>), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Carrier).await?;
    let svc = services()?;
    let actor = me.actor();
    let carrier_id = own_carrier(&me, 0);
    let carrier = services::carriers::deck_owner(&svc.db, &actor, carrier_id)
        .await
        .map_err(fail)?;
    let decks = services::decks::list_decks(&svc.db, &actor, carrier_id)
        .await
        .map_err(fail)?
        .into_iter()
        .map(convert::deck)
        .collect();
    Ok((carrier_id, carrier.name, decks))
}

/// A deck's page. Before import, the preview reads the file with the options in the query
/// (`columns` = role keys per column, comma-separated; `header`, `dates`, `strip`, `strict`,
/// `notice`, `from`); after, the changes (`change` filter), refused rows and rates (`prefix`
/// search, `page`).
///
/// # Errors
/// `NotFound`, `Forbidden`; `Validation` naming a bad option.
#[server(endpoint = "get_deck_page")]
#[allow(clippy::too_many_arguments)]
pub async fn get_deck_page(
    carrier_id: i64,
    deck_id: i64,
    columns: Option<String>,
    header: Option<String>,
    dates: Option<String>,
    strip: Option<String>,
    strict: Option<String>,
    notice: Option<String>,
    from: Option<String>,
    change: Option<String>,
    prefix: Option<String>,
    page: Option<u64>,
) -> Result<DeckPage, AppError> {
    use super::dto::OptionsForm;
    use crate::ssr::{fail, services, signed_in};
    use services::decks::DeckState;
    let me = signed_in().await?;
    let carrier_id = own_carrier(&me, carrier_id);
    let svc = services()?;
    let actor = me.actor();
    let db = &svc.db;
    let carrier = services::carriers::deck_owner(db, &actor, carrier_id)
        .await
        .map_err(fail)?;
    let info = services::decks::get_deck(db, &actor, carrier_id, deck_id)
        .await
        .map_err(fail)?;
    let state = info.state;
    let mut result = DeckPage {
        carrier_id,
        carrier: carrier.name,
        deck: convert::deck(info.clone()),
        preview: None,
        options: OptionsForm::default(),
        progress: None,
        counts: None,
        changes: Vec::new(),
        refused: Vec::new(),
        refused_total: 0,
        rates: Vec::new(),
        rates_total: 0,
        rates_page: 1,
        exports: Vec::new(),
    };
    let stored: services::decks::DeckOptions =
        serde_json::from_str(&info.deck.options).unwrap_or_default();
    match state {
        DeckState::Uploaded | DeckState::Failed => {
            let given = OptionsForm {
                header: header.unwrap_or_default(),
                dates: dates.unwrap_or_default(),
                strip: strip.unwrap_or_default(),
                strict: strict.is_some_and(|s| !s.is_empty()),
                notice: notice.unwrap_or_default(),
                from: from.unwrap_or_default(),
                columns: columns.map(|c| c.split(',').map(str::to_owned).collect()),
            };
            let asked = given != OptionsForm::default();
            let (options, effective) = if asked {
                convert::options(&given).map_err(fail)?
            } else {
                (stored, None)
            };
            let preview = services::decks::preview_deck(
                &svc, &actor, carrier_id, deck_id, &options, effective,
            )
            .await;
            let width = match &preview {
                Ok(p) => p
                    .sample
                    .iter()
                    .map(Vec::len)
                    .chain([p.headers.len()])
                    .max()
                    .unwrap_or(0),
                Err(_) => 0,
            };
            result.options = convert::form_of(
                &options,
                effective.unwrap_or(info.deck.effective_from),
                width,
            );
            result.preview = Some(match preview {
                Ok(p) => Ok(convert::preview(p)),
                Err(services::ServiceError::Validation(errors)) => Err(errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(e) => return Err(fail(e)),
            });
        }
        DeckState::Importing => {
            result.progress = Some(match &info.deck.job_id {
                Some(job) => services::decks::import_progress(db, job)
                    .await
                    .map_err(fail)?
                    .unwrap_or((0, 100, "waiting for a worker".to_owned())),
                None => (0, 100, "waiting for a worker".to_owned()),
            });
        }
        _ => {
            let previous = match info.summary.previous_deck_id {
                Some(id) => services::decks::get_deck(db, &actor, carrier_id, id)
                    .await
                    .ok()
                    .map(|d| d.deck.file_name),
                None => None,
            };
            result.counts = Some(convert::counts(&info, previous));
            result.changes = services::decks::deck_changes(
                db,
                &actor,
                carrier_id,
                deck_id,
                change.as_deref(),
                100,
            )
            .await
            .map_err(fail)?
            .into_iter()
            .map(convert::change)
            .collect();
            let (refused, total) =
                services::decks::deck_errors(db, &actor, carrier_id, deck_id, 200)
                    .await
                    .map_err(fail)?;
            result.refused = refused.into_iter().map(convert::refused).collect();
            result.refused_total = total;
            let rates = services::decks::deck_rows(
                db,
                &actor,
                carrier_id,
                deck_id,
                prefix.as_deref().unwrap_or(""),
                page.unwrap_or(1),
                50,
            )
            .await
            .map_err(fail)?;
            result.rates_total = rates.total;
            result.rates_page = rates.page;
            let az = services::destinations::index(db).await.map_err(fail)?;
            result.rates = rates
                .items
                .into_iter()
                .map(|r| convert::rate(&az, r))
                .collect();
            let page = format!(
                "{}/{deck_id}",
                super::dto::decks_path(me.role.portal().base_path(), carrier_id)
            );
            for e in services::decks::list_exports(db, &actor, carrier_id, deck_id)
                .await
                .map_err(fail)?
            {
                let progress = if matches!(e.status.as_str(), "queued" | "running") {
                    services::decks::import_progress(db, &e.job_id)
                        .await
                        .map_err(fail)?
                } else {
                    None
                };
                result.exports.push(convert::export(e, progress, &page));
            }
        }
    }
    Ok(result)
}

/// Imports the deck with the form's options, or (`preview` set) shows the preview with them.
///
/// # Errors
/// `Validation` naming a bad option or a deck already active; `NotFound`; `Forbidden`.
#[server(endpoint = "import_deck")]
#[allow(clippy::too_many_arguments)]
pub async fn import_deck(
    carrier_id: i64,
    deck_id: i64,
    columns: Option<Vec<String>>,
    header: String,
    dates: String,
    strip: String,
    strict: Option<String>,
    notice: String,
    from: String,
    preview: Option<String>,
) -> Result<(), AppError> {
    use super::dto::OptionsForm;
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let carrier_id = own_carrier(&me, carrier_id);
    let svc = services()?;
    let base = me.role.portal().base_path();
    let form = OptionsForm {
        header,
        dates,
        strip,
        strict: strict.is_some(),
        notice,
        from,
        columns,
    };
    let (options, effective) = convert::options(&form).map_err(fail)?;
    let page = format!("{}/{deck_id}", super::dto::decks_path(base, carrier_id));
    if preview.is_some() {
        let mut query = vec![
            ("header", form.header.clone()),
            ("dates", form.dates.clone()),
            ("strip", form.strip.clone()),
            ("notice", form.notice.clone()),
            ("from", form.from.clone()),
        ];
        if form.strict {
            query.push(("strict", "1".to_owned()));
        }
        if let Some(columns) = &form.columns {
            query.push(("columns", columns.join(",")));
        }
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        leptos_axum::redirect(&format!("{page}?{query}"));
        return Ok(());
    }
    services::decks::start_import(&svc, &me.actor(), carrier_id, deck_id, options, effective)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&page);
    Ok(())
}

/// Activates an imported deck.
///
/// # Errors
/// `Validation{deck}` unless imported; `NotFound`; `Forbidden`.
#[server(endpoint = "activate_deck")]
pub async fn activate_deck(carrier_id: i64, deck_id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let base = me.role.portal().base_path();
    services::decks::activate_deck(&svc.db, &me.actor(), carrier_id, deck_id)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!(
        "{}/{deck_id}?activated=1",
        super::dto::decks_path(base, carrier_id)
    ));
    Ok(())
}

/// Starts an export of the deck as `format` (`csv` or `xlsx`), then shows the deck's Export tab.
///
/// # Errors
/// `Validation{format|deck}` (another format, a deck without rates, too many rates for XLSX);
/// `NotFound`; `Forbidden`.
#[server(endpoint = "export_deck")]
pub async fn export_deck(carrier_id: i64, deck_id: i64, format: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let carrier_id = own_carrier(&me, carrier_id);
    let svc = services()?;
    let base = me.role.portal().base_path();
    services::decks::start_export(&svc, &me.actor(), carrier_id, deck_id, &format)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!(
        "{}/{deck_id}?tab=export",
        super::dto::decks_path(base, carrier_id)
    ));
    Ok(())
}
