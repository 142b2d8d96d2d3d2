//! `POST /api/v1/cdrs`: a switch (or a billing export) sends its call detail records in
//! batches; each is stored once per call id, rated and charged to the customer's ledger.

use super::{ApiCaller, error_response, forbidden};
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use services::cdrs::{CdrInput, IngestReport};
use utoipa::ToSchema;

/// A batch of CDRs: 1 to 10,000.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CdrBatch {
    /// The CDRs, in any order.
    cdrs: Vec<CdrInput>,
}

/// Stores, rates and charges a batch of CDRs.
#[utoipa::path(
    post,
    path = "/api/v1/cdrs",
    tag = "cdrs",
    request_body = CdrBatch,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "What became of each CDR (scope `cdrs:write`, staff or switch operator keys): rated and charged, unpaid (the balance cannot cover it), unrated (with the reason), duplicate (sent before: nothing changed) or refused (not stored: the field is named). Sending the same batch again charges nothing twice.", body = IngestReport),
        (status = 401, description = "Missing, unknown or revoked key", body = super::ApiError),
        (status = 403, description = "The key lacks `cdrs:write`", body = super::ApiError),
        (status = 422, description = "A body that is not a batch of CDRs (the message names the field), an empty batch, or more than 10,000 CDRs", body = super::ApiError),
        (status = 429, description = "Too many requests for this key; see Retry-After", body = super::ApiError)
    )
)]
pub async fn post_cdrs(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    batch: Result<Json<CdrBatch>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Err(r) = caller.need("cdrs:write") {
        return r;
    }
    // A body that is not such a batch is named in the API's error shape, with serde's words
    // (which field of which CDR).
    let Json(batch) = match batch {
        Ok(b) => b,
        Err(rejection) => {
            return error_response(services::ServiceError::field(
                "cdrs",
                &rejection.body_text(),
            ));
        }
    };
    if !services::carriers::manages_carriers(caller.actor.role) {
        return forbidden("CDRs are sent by staff and switch operator keys".to_owned());
    }
    let rows = batch
        .cdrs
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i + 1, c))
        .collect();
    match services::cdrs::ingest(&state.services, &caller.actor, rows, "api").await {
        Ok(report) => Json(report).into_response(),
        Err(e) => error_response(e),
    }
}
