//! The A-Z import form's target: a plain multipart post (works without JavaScript) that goes
//! back to the A-Z page saying how many entries were written and which rows were refused.

use crate::AppState;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use services::ServiceError;
use services::users::SignedIn;

/// Refused rows named in the message after an import (all are counted).
const NAMED_ERRORS: usize = 5;

/// `POST /admin/destinations/import` (multipart, field `file`).
pub async fn import(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    mut form: Multipart,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return Redirect::to("/login").into_response();
    };
    let bytes = match file_field(&mut form, "file").await {
        Ok(bytes) => bytes,
        Err(e) => {
            return back(&[(
                "import_error",
                format!("The upload was interrupted ({e}); nothing was imported."),
            )]);
        }
    };
    let Some(bytes) = bytes else {
        return back(&[(
            "import_error",
            "File is required: choose an A-Z file".to_owned(),
        )]);
    };
    match services::destinations::import_csv(&state.services.db, &me.actor(), &bytes).await {
        Ok(summary) => {
            let mut query = vec![("imported", summary.written.to_string())];
            if !summary.errors.is_empty() {
                let named: Vec<String> = summary
                    .errors
                    .iter()
                    .take(NAMED_ERRORS)
                    .map(|(line, m)| format!("line {line}: {m}"))
                    .collect();
                query.push((
                    "import_error",
                    format!(
                        "{} rows refused (the others were imported): {}",
                        summary.errors.len(),
                        named.join("; ")
                    ),
                ));
            }
            back(&query)
        }
        Err(e) => import_failure(
            e,
            "importing A-Z destinations",
            "File ",
            "The file could not be imported: try again, or see the server log",
            back,
        ),
    }
}

fn back(query: &[(&str, String)]) -> Response {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/admin/destinations?{query}")).into_response()
}

/// The bytes of the multipart field `name` (the last one sent), `None` when the form has none.
///
/// # Errors
/// The multipart error's text when the upload was cut off or malformed.
pub(crate) async fn file_field(
    form: &mut Multipart,
    name: &str,
) -> Result<Option<Vec<u8>>, String> {
    Ok(named_file_field(form, name).await?.map(|(_, bytes)| bytes))
}

/// The file name (as the browser sent it) and bytes of form field `name`, if present.
pub(crate) async fn named_file_field(
    form: &mut Multipart,
    name: &str,
) -> Result<Option<(String, Vec<u8>)>, String> {
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some(name) => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                file = Some((
                    file_name,
                    field.bytes().await.map_err(|e| e.to_string())?.to_vec(),
                ));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(file),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// The answer to a file import that failed: a refused file goes back to the page with each
/// message after `file_prefix`; a user without the right gets 403; anything else is logged as
/// `what` and the page shows `retry`.
pub(crate) fn import_failure(
    err: ServiceError,
    what: &str,
    file_prefix: &str,
    retry: &str,
    back: impl Fn(&[(&str, String)]) -> Response,
) -> Response {
    match err {
        ServiceError::Validation(errors) => back(&[(
            "import_error",
            errors
                .iter()
                .map(|e| format!("{file_prefix}{}", e.message))
                .collect::<Vec<_>>()
                .join("; "),
        )]),
        e @ ServiceError::Forbidden => crate::api::error_response(e),
        e => {
            tracing::error!(error = ?e, "{what}");
            back(&[("import_error", retry.to_owned())])
        }
    }
}
