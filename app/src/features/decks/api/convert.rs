//! Service values to the deck pages' DTOs, and the options form back to import options.

use super::super::dto::{
    ChangeCounts, ChangeRow, DeckRow, OptionsForm, PreviewColumn, PreviewDto, RateLine, RefusedRow,
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
        row: e.row_text,
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
                row: services::decks::row_text(&e.row),
            })
            .collect(),
        warnings: p.warnings,
        format,
        problem: p.problem,
    }
}

/// The service's options from the form's values, naming the bad field.
pub fn options(form: &OptionsForm) -> Result<(DeckOptions, Option<DateTime<Utc>>), ServiceError> {
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
