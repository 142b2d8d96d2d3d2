//! `GET /api/v1/routes`: the LCR answer a switch asks for on every call, served from the
//! tenant's in-memory route snapshot (see `services::routes`).

use super::{ApiCaller, ApiError, error_response, forbidden, payment_required};
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use domain::deck::{RateDeck, RateRow};
use domain::number::E164;
use domain::rating::{RatingOptions, max_duration};
use serde::{Deserialize, Serialize};
use services::ServiceError;
use services::balances::CallBudget;
use services::cdrs::MAX_CALL_SECS;
use services::lcr::reason;
use services::routes::{CarrierInfo, RouteSnapshot};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// What a switch asks.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RouteParams {
    /// The dialled number in international format (`+44 20 7946 0000`, `0044...` or digits).
    number: Option<String>,
    /// The tier's name (`Standard`, case-insensitive) or id.
    tier: Option<String>,
    /// The call's id (e.g. the SIP Call-ID): a percentage split sends the same call to the
    /// same carrier on every retry.
    call_id: Option<String>,
    /// The customer placing the call (its id): routes dearer than the sell rate of its
    /// category's card are left out, each route carries its margin, and the answer says how
    /// long the call may last on the customer's balance. A customer that is not active or has
    /// nothing left to spend is refused with 402.
    customer: Option<i64>,
}

/// The customer's money, with `customer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerBudget {
    /// Balance plus credit limit: what the call may cost at most, a decimal string in
    /// `currency`.
    available: String,
    /// The customer's billing currency (ISO 4217).
    currency: String,
    /// The longest call, in connected seconds, that `available` pays for at the customer's sell
    /// rate for this number (fee, increments and rounding included), at most 86400; cut the
    /// call then. `null` when the customer has no sell rate for the number in its currency.
    max_duration_secs: Option<u32>,
}

/// The ordered routes for one number.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutesAnswer {
    /// The number as routed: E.164 digits without `+`.
    number: String,
    /// The A-Z destination of the number, when known.
    destination: Option<AnswerDestination>,
    tier: AnswerTier,
    /// Routes to try, in order. A carrier without an enabled trunk is never listed here.
    routes: Vec<AnswerRoute>,
    /// Carriers with a rate for the number that were left out, with the reason.
    excluded: Vec<AnswerExclusion>,
    failover: AnswerFailover,
    snapshot: AnswerSnapshot,
    /// With `customer`: its sell rate per minute for the number (decimal string), `null` when
    /// its card has none or it has no card in force for the tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    sell_rate: Option<String>,
    /// With `customer`: what it may spend and how long this call may last.
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<AnswerBudget>,
}

/// An A-Z destination.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerDestination {
    /// e.g. `United Kingdom - London`.
    name: String,
    /// Country name.
    country: String,
    /// ISO 3166-1 alpha-2, or `001` for non-geographic codes.
    region: String,
    /// `fixed`, `mobile`, `toll_free`, `premium`, `satellite` or `special`.
    #[serde(rename = "type")]
    kind: String,
}

/// The tier routed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerTier {
    id: i64,
    name: String,
}

/// A carrier.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerCarrier {
    id: i64,
    name: String,
}

/// One route.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerRoute {
    carrier: AnswerCarrier,
    /// The carrier's prefix that matched.
    prefix: String,
    /// Its rate per minute now, a decimal string in `currency`.
    rate: String,
    /// ISO 4217 code of the carrier's deck.
    currency: String,
    /// Billing increments, e.g. `60/60` or `1/1`.
    increment: String,
    /// Connection fee per answered call, a decimal string in `currency`.
    connection_fee: String,
    /// The carrier's technical prefix (empty for none).
    technical_prefix: String,
    /// What to send as the request-URI user part: technical prefix + number.
    dial: String,
    /// The carrier's enabled trunks, in name order.
    trunks: Vec<AnswerTrunk>,
    /// Call durations at which this route loses money, when the tier only flags them.
    flags: Vec<String>,
    /// With `customer`: sell rate less this route's rate, per minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    margin: Option<String>,
}

/// A SIP trunk.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerTrunk {
    name: String,
    /// IP address or host name.
    host: String,
    port: u16,
    /// `udp`, `tcp` or `tls`.
    transport: String,
    /// Digest user name; empty when the carrier authenticates by IP. The password is never
    /// sent.
    username: String,
    /// e.g. `sip:203.0.113.10:5060;transport=udp`.
    uri: String,
}

/// A carrier left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerExclusion {
    carrier: AnswerCarrier,
    /// Why, in words.
    reason: String,
}

/// When to try the next route.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerFailover {
    /// Any 5xx answer moves to the next route (except `stop_on`).
    next_on_5xx: bool,
    /// A timeout (no final answer) moves to the next route.
    next_on_timeout: bool,
    /// Further SIP codes that move to the next route.
    next_on: Vec<u16>,
    /// SIP codes that end the call: always 404, 480, 486 and 603 (the callee answered).
    stop_on: Vec<u16>,
}

/// The routing data the answer came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerSnapshot {
    /// When it was built (RFC 3339).
    built_at: String,
    /// `<tenant counter>.<A-Z counter>`: changes whenever carriers, trunks, decks in force,
    /// tiers or the A-Z database change.
    version: String,
}

fn carrier(snapshot: &RouteSnapshot, id: domain::lcr::CarrierId) -> AnswerCarrier {
    snapshot.carrier(id).map_or_else(
        || AnswerCarrier {
            id: i64::from(id.0),
            name: String::new(),
        },
        |c| AnswerCarrier {
            id: c.id,
            name: c.name.clone(),
        },
    )
}

fn trunks(info: &CarrierInfo) -> Vec<AnswerTrunk> {
    info.trunks
        .iter()
        .map(|t| AnswerTrunk {
            name: t.name.clone(),
            host: t.host.clone(),
            port: t.port,
            transport: t.transport.clone(),
            username: t.username.clone(),
            uri: t.uri.clone(),
        })
        .collect()
}

/// The customer a lookup is for: its category (whose sell card applies) and its call budget.
pub struct Caller<'a> {
    /// The customer's category, `None` for none.
    pub category: Option<i64>,
    /// What it may still spend (`services::balances::call_budget`).
    pub budget: &'a CallBudget,
}

/// Routes `number` in tier `tier` of `snapshot` at `at`; with `customer`, against its
/// category's sell card and within its budget.
///
/// # Errors
/// `Validation{number}` for a number that is not E.164; `Validation{tier}` naming the tiers
/// when `tier` is missing or unknown; `Validation{customer}` when the customer's balance does
/// not pay for the first billed seconds of a call to the number.
pub fn answer(
    snapshot: &RouteSnapshot,
    number: &str,
    tier: &str,
    call_id: &str,
    at: DateTime<Utc>,
    customer: Option<Caller<'_>>,
) -> Result<RoutesAnswer, ServiceError> {
    if number.trim().is_empty() {
        return Err(ServiceError::field(
            "number",
            "is required: send the dialled number in international format, like +442079460000",
        ));
    }
    let number = E164::parse(number).map_err(|e| {
        ServiceError::field(
            "number",
            &format!("{e}: send the number in international format, like +442079460000"),
        )
    })?;
    let names = || {
        let names: Vec<&str> = snapshot.tiers.iter().map(|t| t.name.as_str()).collect();
        if names.is_empty() {
            "this tenant has no tiers yet: open Routing tiers in the Softswitch portal once to create Premium, Standard and Economy".to_owned()
        } else {
            format!("the tiers are {}", names.join(", "))
        }
    };
    let Some(tier) = snapshot.tier(tier) else {
        let what = if tier.trim().is_empty() {
            "is required"
        } else {
            "names no tier"
        };
        return Err(ServiceError::field("tier", &format!("{what}: {}", names())));
    };
    let quality = HashMap::new();
    let call_id = if call_id.is_empty() {
        number.to_string()
    } else {
        call_id.to_owned()
    };
    let sell = customer
        .as_ref()
        .and_then(|c| snapshot.sell_for(tier.id, c.category));
    let sell_row = sell.and_then(|d| d.lookup(number, at));
    let budget = match (&customer, sell.zip(sell_row)) {
        (None, _) => None,
        (Some(c), sold) => Some(budget(c.budget, sold, number, at)?),
    };
    let plan = snapshot.route(tier, number, at, &call_id, &quality, sell);
    let mut routes = Vec::new();
    let mut excluded: Vec<AnswerExclusion> = Vec::new();
    for r in &plan.routes {
        let Some(info) = snapshot.carrier(r.carrier) else {
            continue;
        };
        if info.trunks.is_empty() {
            excluded.push(AnswerExclusion {
                carrier: carrier(snapshot, r.carrier),
                reason: "the carrier has no enabled trunk".to_owned(),
            });
            continue;
        }
        routes.push(AnswerRoute {
            carrier: carrier(snapshot, r.carrier),
            prefix: r.row.prefix.to_string(),
            rate: r.rate.to_string(),
            currency: snapshot.currency(r.carrier).to_owned(),
            increment: r.row.increment.to_string(),
            connection_fee: r.row.connection_fee.to_string(),
            technical_prefix: info.technical_prefix.clone(),
            dial: format!("{}{number}", info.technical_prefix),
            trunks: trunks(info),
            flags: r.margin_flags.iter().map(reason).collect(),
            margin: sell_row.map(|s| (s.rate.per_minute() - r.rate.per_minute()).to_string()),
        });
    }
    excluded.extend(plan.excluded.iter().map(|e| AnswerExclusion {
        carrier: carrier(snapshot, e.carrier),
        reason: reason(&e.reason),
    }));
    Ok(RoutesAnswer {
        number: number.to_string(),
        destination: snapshot.az.lookup(number).map(|d| AnswerDestination {
            name: d.name.clone(),
            country: d.country.clone(),
            region: d.region.clone(),
            kind: d.kind.as_str().to_owned(),
        }),
        tier: AnswerTier {
            id: tier.id,
            name: tier.name.clone(),
        },
        routes,
        excluded,
        failover: AnswerFailover {
            next_on_5xx: tier.failover.next_on_5xx,
            next_on_timeout: tier.failover.next_on_timeout,
            next_on: tier.failover.next_on.clone(),
            stop_on: tier.stop_codes(),
        },
        snapshot: AnswerSnapshot {
            built_at: snapshot.at.to_rfc3339(),
            version: format!("{}.{}", snapshot.version.0, snapshot.version.1),
        },
        sell_rate: sell_row.map(|s| s.rate.to_string()),
        budget,
    })
}

/// The budget part of an answer: the longest call `budget` pays for at the sell rate `sold`
/// (when the customer has one in its billing currency).
fn budget(
    budget: &CallBudget,
    sold: Option<(&RateDeck, &RateRow)>,
    number: E164,
    at: DateTime<Utc>,
) -> Result<AnswerBudget, ServiceError> {
    let available = domain::ledger::from_micros(budget.available_micros);
    let max = sold
        .filter(|(deck, _)| deck.currency().code() == budget.currency)
        .map(|(deck, row)| {
            let options = RatingOptions::sell(Some(services::cdrs::AMOUNT_DECIMALS));
            let max = max_duration(deck, row, number, at, available, &options, MAX_CALL_SECS);
            if max == 0 {
                return Err(ServiceError::field(
                    "customer",
                    &format!(
                        "the {} {} available do not pay for the first {} s of a call to {} ({} a minute, billed {}): top up first",
                        available.normalize(),
                        budget.currency,
                        row.increment.billed_seconds(1),
                        row.destination,
                        row.rate,
                        row.increment
                    ),
                ));
            }
            Ok(max)
        })
        .transpose()?;
    Ok(AnswerBudget {
        available: available.normalize().to_string(),
        currency: budget.currency.clone(),
        max_duration_secs: max,
    })
}

/// Looks up the routes for a number in a tier.
#[utoipa::path(
    get,
    path = "/api/v1/routes",
    tag = "routing",
    params(RouteParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Routes in the order to try them, and the carriers left out (scope `routes:read`, staff or switch operator keys)", body = RoutesAnswer),
        (status = 401, description = "Missing, unknown or revoked key", body = ApiError),
        (status = 402, description = "With `customer`: the customer is not active, or its balance plus credit limit is used up; the message says which, with the figures", body = ApiError),
        (status = 403, description = "The key lacks `routes:read`", body = ApiError),
        (status = 422, description = "`number` is not an international number, `tier` is missing or unknown (the message lists the tiers), `customer` names no customer, or its balance does not pay for the first billed seconds to this number", body = ApiError),
        (status = 429, description = "Too many requests for this key; see Retry-After", body = ApiError)
    )
)]
pub async fn get_routes(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(params): Query<RouteParams>,
) -> Response {
    if let Err(r) = caller.need("routes:read") {
        return r;
    }
    if !services::carriers::manages_carriers(caller.actor.role) {
        return forbidden("routes are for staff and switch operator keys".to_owned());
    }
    let snapshot = match state.services.routes.snapshot(caller.actor.tenant_id).await {
        Ok(s) => s,
        Err(e) => return error_response(e),
    };
    let customer = match params.customer {
        None => None,
        Some(id) => match services::tenancy::find_scoped::<services::entities::customers::Entity>(
            &state.services.db,
            &caller.actor,
            id,
        )
        .await
        {
            Ok(c) => Some(c),
            Err(_) => {
                return error_response(ServiceError::field(
                    "customer",
                    "names no customer of this tenant",
                ));
            }
        },
    };
    let budget = match &customer {
        None => None,
        Some(c) => match services::balances::call_budget(&state.services.db, c).await {
            Ok(b) => Some(b),
            Err(e) => return error_response(e),
        },
    };
    if let Some(reason) = budget.as_ref().and_then(|b| b.refusal.clone()) {
        return payment_required(reason);
    }
    let caller = customer.as_ref().zip(budget.as_ref()).map(|(c, b)| Caller {
        category: c.category_id,
        budget: b,
    });
    match answer(
        &snapshot,
        params.number.as_deref().unwrap_or_default(),
        params.tier.as_deref().unwrap_or_default(),
        params.call_id.as_deref().unwrap_or_default(),
        Utc::now(),
        caller,
    ) {
        Ok(a) => Json(a).into_response(),
        Err(e) => error_response(e),
    }
}
