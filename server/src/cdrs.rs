//! The CDR file upload of Carriers > CDRs (`POST /admin/cdrs/import`, `/switch/cdrs/import`): a
//! multipart form that works without JavaScript; the lines are ingested, and the page comes
//! back with what happened (counts, and the first refused or unrated lines by number).

use crate::AppState;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
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
    let bytes = match crate::destinations::file_field(&mut form, "file").await {
        Ok(bytes) => bytes,
        Err(e) => {
            return back(&[(
                "import_error",
                format!("The upload was interrupted ({e}); nothing was stored."),
            )]);
        }
    };
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return back(&[(
            "import_error",
            "File is required: choose a CDR file (CSV)".to_owned(),
        )]);
    };
    match services::cdrs::ingest_csv(&state.services, &me.actor(), &bytes).await {
        Ok(r) => {
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
        Err(e) => crate::destinations::import_failure(
            e,
            "importing CDRs",
            "File: ",
            "The file could not be stored: try again, or see the server log",
            back,
        ),
    }
}
