//! The CDR file upload of Carriers > CDRs (`POST /admin/cdrs/import`, `/switch/cdrs/import`): a
//! multipart form that works without JavaScript. A file of up to 10,000 lines is ingested at
//! once and the page comes back with what happened (counts, and the first refused or unrated
//! lines by number); a larger one is queued for the `billing.rate_cdrs` job and the page shows
//! its progress. `GET /{admin|switch}/cdrs/files/{id}/problems.csv` downloads a queued file's
//! problem lines.

use crate::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use services::cdrs::file_jobs::{self, Upload};
use services::users::SignedIn;

/// How many problem lines the page names after an upload.
const NAMED_LINES: usize = 5;

/// `POST /{admin|switch}/cdrs/import` with the file in the `file` field.
pub async fn import(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    mut form: Multipart,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return Redirect::to("/login").into_response();
    };
    let base = me.role.portal().base_path();
    let back = |query: &[(&str, String)]| {
        let query = serde_urlencoded::to_string(query).unwrap_or_default();
        Redirect::to(&format!("{base}/cdrs?{query}")).into_response()
    };
    let file = match crate::destinations::named_file_field(&mut form, "file").await {
        Ok(file) => file,
        Err(e) => {
            return back(&[(
                "import_error",
                format!("The upload was interrupted ({e}); nothing was stored."),
            )]);
        }
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return back(&[(
            "import_error",
            "File is required: choose a CDR file (CSV)".to_owned(),
        )]);
    };
    match file_jobs::upload_file(&state.services, &me.actor(), &name, bytes).await {
        Ok(Upload::Done(r)) => {
            let mut query = vec![(
                "imported",
                format!(
                    "{} lines read: {} rated, {} unpaid, {} unrated, {} sent before, {} refused.",
                    r.received, r.rated, r.unpaid, r.unrated, r.duplicates, r.refused
                ),
            )];
            let problems: Vec<String> = r
                .outcomes
                .iter()
                .filter(|o| matches!(o.status.as_str(), "refused" | "unrated" | "unpaid"))
                .take(NAMED_LINES)
                .map(|o| format!("line {} ({}): {}", o.row, o.status, o.reason))
                .collect();
            if !problems.is_empty() {
                query.push(("import_error", problems.join("; ")));
            }
            back(&query)
        }
        Ok(Upload::Queued(file)) => back(&[(
            "queued",
            format!(
                "{} ({} lines) is being rated in the background: its progress is below.",
                file.file_name, file.lines
            ),
        )]),
        Err(e) => crate::destinations::import_failure(
            e,
            "importing CDRs",
            "File: ",
            "The file could not be stored: try again, or see the server log",
            back,
        ),
    }
}

/// `GET /{admin|switch}/cdrs/files/{id}/problems.csv`: the file's refused, unrated and unpaid
/// lines (line, call_id, status, reason), in line order.
pub async fn problems_csv(
    State(state): State<AppState>,
    Extension(me): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Response {
    match file_jobs::file_problems(&state.services.db, &me.actor(), id).await {
        Ok((file, problems)) => {
            let mut rows = vec![
                ["line", "call_id", "status", "reason"]
                    .map(str::to_owned)
                    .to_vec(),
            ];
            rows.extend(
                problems
                    .into_iter()
                    .map(|p| vec![p.line.to_string(), p.call_id, p.status, p.reason]),
            );
            crate::exports::csv_response(&format!("cdr-file-{}-problems.csv", file.id), rows)
        }
        Err(e) => crate::api::error_response(e),
    }
}
