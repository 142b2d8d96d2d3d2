//! The LCR tester: for a number, a tier and an instant, the carriers in the order the tier
//! would try them (with their rate, increments, fee and the cost of a call of N seconds), and
//! every carrier left out with its reason. It routes with a [`crate::routes::RouteSnapshot`] built
//! for that instant, exactly as the LCR API routes with the cached one for now.

use crate::audit::Actor;
use crate::error::ServiceError;
use crate::tiers::get_tier;
use chrono::{DateTime, Utc};
use domain::lcr::ExclusionReason;
use domain::number::E164;
use domain::rating::{Call, RatingOptions, price_row};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// Longest call the tester prices, in seconds (a day).
pub const MAX_TEST_SECONDS: u32 = 86_400;

/// One route of a test, in the order it would be tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestedRoute {
    /// Carrier id and name.
    pub carrier: (i64, String),
    /// Its prefix that matched, and the destination as the carrier names it.
    pub prefix: String,
    /// Destination name of the carrier's deck.
    pub destination: String,
    /// Rate per minute in the call's time band, in `currency`.
    pub rate: String,
    /// Increments, e.g. `60/60`.
    pub increment: String,
    /// Connection fee per call.
    pub connection_fee: String,
    /// What a call of the asked duration costs on this route, rounded to the minor unit.
    pub cost: String,
    /// ISO 4217 code of the carrier's deck.
    pub currency: String,
    /// Its enabled trunks as SIP addresses.
    pub trunks: Vec<String>,
    /// Why it might lose money, when the tier only flags.
    pub flags: Vec<String>,
    /// With a customer: its sell rate per minute less this route's buy rate (same currency).
    pub margin: Option<String>,
}

/// What the tester answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LcrTest {
    /// The number as routed (E.164 digits).
    pub number: String,
    /// Its A-Z destination and type, if known.
    pub destination: Option<String>,
    /// The tier's name.
    pub tier: String,
    /// The instant routed at.
    pub at: DateTime<Utc>,
    /// The call duration priced, in seconds.
    pub duration_secs: u32,
    /// Routes in the order they would be tried.
    pub routes: Vec<TestedRoute>,
    /// Carriers with a rate for the number that were left out: (name, reason).
    pub excluded: Vec<(String, String)>,
    /// Carriers with no deck in force at that instant.
    pub without_deck: Vec<String>,
    /// The tier's failover rule, in words.
    pub failover: String,
    /// With a customer: its sell card and rate for the number, in words.
    pub sell: Option<String>,
}

/// An exclusion reason in words.
pub fn reason(r: &ExclusionReason) -> String {
    match r {
        ExclusionReason::BlockedDestination(p) => {
            format!("the tier blocks this destination (prefix {p})")
        }
        ExclusionReason::CarrierDisabled => "the carrier is not active".to_owned(),
        ExclusionReason::NotInTier => "the carrier is not in this tier".to_owned(),
        ExclusionReason::NegativeMargin { buy, sell } => {
            format!("its rate {buy}/min is above the sell rate {sell}/min")
        }
        ExclusionReason::LosesMoneyAt {
            duration_secs,
            cost,
            price,
        } => format!("a {duration_secs} s call costs {cost} and sells for {price}"),
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

/// Routes `number` in tier `tier_id` at `at` (now when `None`) and prices a call of
/// `duration_secs` on every route; for customer `customer_id`, against the sell card of its
/// category in force then (routes dearer than its rate are excluded, margins shown).
///
/// # Errors
/// `Validation{number}` for a number that is not E.164, `Validation{duration}` over
/// [`MAX_TEST_SECONDS`], `Validation{customer}` for another tenant's or an unknown customer;
/// `NotFound` for another tenant's tier; `Forbidden`.
pub async fn test_route(
    db: &DatabaseConnection,
    actor: &Actor,
    number: &str,
    tier_id: i64,
    at: Option<DateTime<Utc>>,
    duration_secs: u32,
    customer_id: Option<i64>,
) -> Result<LcrTest, ServiceError> {
    let tier = get_tier(db, actor, tier_id).await?;
    let number = E164::parse(number).map_err(|e| {
        ServiceError::field(
            "number",
            &format!("{e}: give the number in international format, like +44 20 7946 0000"),
        )
    })?;
    if duration_secs > MAX_TEST_SECONDS {
        return Err(ServiceError::field(
            "duration",
            "must be at most 86400 seconds",
        ));
    }
    let at = at.unwrap_or_else(Utc::now);
    let snapshot = crate::routes::build(db, actor.tenant_id, at).await?;
    let destination = snapshot
        .az
        .lookup(number)
        .map(|d| format!("{} ({})", d.name, d.kind.label()));
    let plan_tier = snapshot
        .tier_by_id(tier.row.id)
        .ok_or(ServiceError::NotFound)?;
    let customer = match customer_id {
        Some(id) => Some(
            crate::tenancy::find_scoped::<crate::entities::customers::Entity>(db, actor, id)
                .await
                .map_err(|_| ServiceError::field("customer", "choose one of your customers"))?,
        ),
        None => None,
    };
    let sell_deck = customer
        .as_ref()
        .and_then(|c| snapshot.sell_for(tier.row.id, c.category_id));
    let sell_row = sell_deck.and_then(|d| d.lookup(number, at));
    let sell = customer.as_ref().map(|c| match (sell_deck, sell_row) {
        (Some(deck), Some(row)) => format!(
            "{} buys this number at {}/min {} (prefix {}, {})",
            c.company_name,
            row.rate,
            deck.currency().code(),
            row.prefix,
            row.increment
        ),
        (Some(_), None) => format!("{}'s sell card has no rate for this number", c.company_name),
        (None, _) => format!(
            "{} has no sell card in force for tier {}: routes are not checked against a sell rate",
            c.company_name, tier.row.name
        ),
    });
    let quality = HashMap::new();
    let plan = snapshot.route(plan_tier, number, at, "lcr-tester", &quality, sell_deck);
    let call = Call {
        number,
        start: at,
        duration_secs,
        answered: true,
    };
    let mut routes = Vec::new();
    for r in &plan.routes {
        let Some(carrier) = snapshot.index.carriers().iter().find(|c| c.id == r.carrier) else {
            continue;
        };
        let breakdown = price_row(&carrier.deck, r.row, &call, &RatingOptions::default());
        let info = snapshot.carrier(r.carrier);
        routes.push(TestedRoute {
            carrier: info.map(|c| (c.id, c.name.clone())).unwrap_or_default(),
            prefix: r.row.prefix.to_string(),
            destination: r.row.destination.clone(),
            rate: r.rate.to_string(),
            increment: r.row.increment.to_string(),
            connection_fee: r.row.connection_fee.to_string(),
            cost: breakdown.total.amount.to_string(),
            currency: carrier.deck.currency().code().to_owned(),
            trunks: info
                .map(|c| c.trunks.iter().map(|t| t.uri.clone()).collect())
                .unwrap_or_default(),
            flags: r.margin_flags.iter().map(reason).collect(),
            margin: sell_row.map(|s| (s.rate.per_minute() - r.rate.per_minute()).to_string()),
        });
    }
    let excluded = plan
        .excluded
        .iter()
        .map(|e| {
            let name = snapshot
                .carrier(e.carrier)
                .map_or_else(|| format!("carrier {}", e.carrier.0), |c| c.name.clone());
            (name, reason(&e.reason))
        })
        .collect();
    let without_deck = snapshot.without_deck.clone();
    let f = &tier.failover;
    let mut moves = Vec::new();
    if f.next_on_5xx {
        moves.push("any 5xx".to_owned());
    }
    moves.extend(f.next_on.iter().map(u16::to_string));
    if f.next_on_timeout {
        moves.push("timeouts".to_owned());
    }
    let mut failover = format!(
        "The next route is tried on {}; 404, 480, 486 and 603 end the call (the callee answered)",
        if moves.is_empty() {
            "nothing".to_owned()
        } else {
            moves.join(", ")
        }
    );
    if !f.stop_on.is_empty() {
        let stops: Vec<String> = f.stop_on.iter().map(u16::to_string).collect();
        failover.push_str(&format!(", and so do {}", stops.join(", ")));
    }
    failover.push('.');
    Ok(LcrTest {
        number: number.to_string(),
        destination,
        tier: tier.row.name.clone(),
        at,
        duration_secs,
        routes,
        excluded,
        without_deck,
        failover,
        sell,
    })
}
