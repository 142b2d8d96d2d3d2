use super::dto::{DeckPage, DeckRow};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod convert;

#[cfg(feature = "ssr")]
fn own_carrier(me: &services::users::SignedIn, carrier_id: i64) -> i64 {
    services::carriers::requested_carrier(&me.actor(), carrier_id)
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
