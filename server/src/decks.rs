//! Rate deck files: the upload form's target (a plain multipart post, so it works without
//! JavaScript), the download of a deck's refused rows as CSV, and of its exports. The same routes serve the
//! Super Admin (`/admin/carriers/{id}/decks...`) and Softswitch (`/switch/...`) portals, and the
//! Carrier portal (`/carrier/decks...`, the signed-in carrier user's own carrier).

use crate::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use services::ServiceError;
use services::users::SignedIn;

/// `POST /{portal}/carriers/{id}/decks` (multipart: `deck` file, `effective_from`
/// `YYYY-MM-DDTHH:MM` UTC, optional): stores the deck and opens its page to check the columns;
/// a refused file goes back to the Rate decks tab with `deck_error=<message>`.
pub async fn upload(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    Path(carrier_id): Path<i64>,
    form: Multipart,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return Redirect::to("/login").into_response();
    };
    store_upload(&state, &me, carrier_id, form).await
}

/// `POST /carrier/decks`: [`upload`] for the signed-in carrier user's own carrier.
pub async fn upload_own(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    form: Multipart,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return Redirect::to("/login").into_response();
    };
    let carrier_id = own_carrier(&me);
    store_upload(&state, &me, carrier_id, form).await
}

/// The signed-in carrier user's carrier ([`services::carriers::requested_carrier`]).
fn own_carrier(me: &SignedIn) -> i64 {
    services::carriers::requested_carrier(&me.actor(), 0)
}

async fn store_upload(
    state: &AppState,
    me: &SignedIn,
    carrier_id: i64,
    mut form: Multipart,
) -> Response {
    use app::features::decks::dto::{decks_list, decks_path};
    let base = me.role.portal().base_path();
    let back = decks_list(base, carrier_id);
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut effective_from = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("deck") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        return refused(
                            &back,
                            &format!(
                                "The upload was interrupted ({e}); nothing was stored. Try again."
                            ),
                        );
                    }
                }
            }
            Ok(Some(field)) if field.name() == Some("effective_from") => {
                let text = field.text().await.unwrap_or_default();
                let text = text.trim();
                if !text.is_empty() {
                    match NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M") {
                        Ok(at) => effective_from = Some(at.and_utc()),
                        Err(_) => {
                            return refused(
                                &back,
                                &format!(
                                    "Effective from `{text}` is not a date and time like 2026-12-01T00:00"
                                ),
                            );
                        }
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                return refused(
                    &back,
                    &format!("The upload was interrupted ({e}); nothing was stored. Try again."),
                );
            }
        }
    }
    let Some((name, bytes)) = file else {
        return refused(
            &back,
            "Deck file is required: choose the carrier's rate deck file",
        );
    };
    match services::decks::upload_deck(
        &state.services,
        &me.actor(),
        carrier_id,
        &name,
        bytes,
        effective_from,
    )
    .await
    {
        Ok(deck) => {
            Redirect::to(&format!("{}/{}", decks_path(base, carrier_id), deck.id)).into_response()
        }
        Err(ServiceError::Validation(errors)) => {
            let message = errors
                .iter()
                .map(|e| format!("Deck file {}", e.message))
                .collect::<Vec<_>>()
                .join("; ");
            refused(&back, &message)
        }
        Err(e @ (ServiceError::NotFound | ServiceError::Forbidden)) => {
            crate::api::error_response(e)
        }
        Err(e) => {
            tracing::error!(error = ?e, "storing a rate deck");
            refused(
                &back,
                "The deck could not be stored: try again, or see the server log",
            )
        }
    }
}

fn refused(back: &str, message: &str) -> Response {
    let query = serde_urlencoded::to_string([("deck_error", message)]).unwrap_or_default();
    Redirect::to(&format!("{back}{query}")).into_response()
}

/// `GET /{portal}/carriers/{id}/decks/{deck}/errors.csv`: the deck's refused rows (line,
/// column, value, reason), at most [`services::decks::STORED_ERRORS`].
pub async fn errors_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path((carrier_id, deck_id)): Path<(i64, i64)>,
) -> Response {
    refused_rows_csv(&state, &me, carrier_id, deck_id).await
}

/// `GET /carrier/decks/{deck}/errors.csv`: [`errors_csv`] for the carrier user's own carrier.
pub async fn own_errors_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path(deck_id): Path<i64>,
) -> Response {
    refused_rows_csv(&state, &me, own_carrier(&me), deck_id).await
}

async fn refused_rows_csv(
    state: &AppState,
    me: &SignedIn,
    carrier_id: i64,
    deck_id: i64,
) -> Response {
    let db = &state.services.db;
    let actor = me.actor();
    let (rows, _) = match services::decks::deck_errors(
        db,
        &actor,
        carrier_id,
        deck_id,
        services::decks::STORED_ERRORS as u64,
    )
    .await
    {
        Ok(found) => found,
        Err(e) => return crate::api::error_response(e),
    };
    let mut out = vec![
        ["line", "column", "value", "reason", "row"]
            .map(str::to_owned)
            .to_vec(),
    ];
    out.extend(rows.into_iter().map(|e| {
        vec![
            e.line.to_string(),
            e.column_name.unwrap_or_default(),
            e.value,
            e.message,
            e.row_text,
        ]
    }));
    crate::exports::csv_response(&format!("deck-{deck_id}-refused-rows.csv"), out)
}

/// `GET /{portal}/carriers/{id}/decks/{deck}/exports/{export}`: a finished export of the deck
/// (CSV or XLSX), as an attachment.
pub async fn export_file(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path((carrier_id, deck_id, export_id)): Path<(i64, i64, i64)>,
) -> Response {
    export_download(&state, &me, carrier_id, deck_id, export_id).await
}

/// `GET /carrier/decks/{deck}/exports/{export}`: [`export_file`] for the carrier user's own
/// carrier.
pub async fn own_export_file(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path((deck_id, export_id)): Path<(i64, i64)>,
) -> Response {
    export_download(&state, &me, own_carrier(&me), deck_id, export_id).await
}

async fn export_download(
    state: &AppState,
    me: &SignedIn,
    carrier_id: i64,
    deck_id: i64,
    export_id: i64,
) -> Response {
    match services::decks::read_export(&state.services, &me.actor(), carrier_id, deck_id, export_id)
        .await
    {
        Ok((name, mime, bytes)) => (
            [
                (axum::http::header::CONTENT_TYPE, mime.to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}\"",
                        name.replace(['"', '\\', '\r', '\n'], "_")
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => crate::api::error_response(e),
    }
}

/// `GET /{portal}/sell-cards/{id}/rates.csv` (`/customer/rates/{id}/rates.csv` for customers):
/// every rate of a sell card, with the column names the deck importer reads.
pub async fn sell_card_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path(card_id): Path<i64>,
) -> Response {
    let (card, rows) =
        match services::sell_cards::all_rows(&state.services.db, &me.actor(), card_id).await {
            Ok(found) => found,
            Err(e) => return crate::api::error_response(e),
        };
    let from = card.effective_from.format("%Y-%m-%d %H:%M:%S").to_string();
    let mut out = vec![
        [
            "Prefix",
            "Destination",
            "Rate per minute",
            "Connection fee",
            "Initial increment",
            "Next increment",
            "Effective from",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    out.extend(rows.into_iter().map(|r| {
        vec![
            r.prefix,
            r.destination,
            r.rate,
            r.connection_fee,
            r.initial_increment.to_string(),
            r.next_increment.to_string(),
            from.clone(),
        ]
    }));
    crate::exports::csv_response(
        &format!("rates-{}-{}.csv", card.id, card.currency.to_lowercase()),
        out,
    )
}
