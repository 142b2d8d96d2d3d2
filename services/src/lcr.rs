//! The LCR tester: for a number, a tier and an instant, the carriers in the order the tier
//! would try them (with their rate, increments, fee and the cost of a call of N seconds), and
//! every carrier left out with its reason. It routes with the domain's [`LcrIndex`] over the
//! decks in force at that instant, exactly as routing does.

use crate::audit::Actor;
use crate::decks::{in_force, load_deck};
use crate::entities::carrier_trunks as trunks;
use crate::error::ServiceError;
use crate::tenancy::scoped;
use crate::tiers::{get_tier, tenant_carriers};
use chrono::{DateTime, Utc};
use domain::lcr::{Carrier, CarrierId, ExclusionReason, LcrIndex, RouteQuery};
use domain::number::{E164, Prefix};
use domain::rating::{Call, RatingOptions, price_row};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
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
}

fn reason(r: &ExclusionReason) -> String {
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
/// `duration_secs` on every route.
///
/// # Errors
/// `Validation{number}` for a number that is not E.164, `Validation{duration}` over
/// [`MAX_TEST_SECONDS`]; `NotFound` for another tenant's tier; `Forbidden`.
pub async fn test_route(
    db: &DatabaseConnection,
    actor: &Actor,
    number: &str,
    tier_id: i64,
    at: Option<DateTime<Utc>>,
    duration_secs: u32,
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
    let az = crate::destinations::index(db).await?;
    let destination = az
        .lookup(number)
        .map(|d| format!("{} ({})", d.name, d.kind.label()));
    // The prefixes of the blocked A-Z types.
    let extra_blocked: Vec<Prefix> = if tier.blocked_kinds.is_empty() {
        Vec::new()
    } else {
        let kinds: Vec<&str> = tier.blocked_kinds.iter().map(|k| k.as_str()).collect();
        crate::entities::destinations::Entity::find()
            .filter(crate::entities::destinations::Column::Kind.is_in(kinds))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|d| Prefix::parse(&d.prefix).ok())
            .collect()
    };
    let all = tenant_carriers(db, actor).await?;
    let mut carriers = Vec::new();
    let mut without_deck = Vec::new();
    let mut names: HashMap<u32, (i64, String)> = HashMap::new();
    for c in &all {
        let Some(deck) = in_force(db, actor.tenant_id, c.id, at).await? else {
            without_deck.push(c.name.clone());
            continue;
        };
        let deck = load_deck(db, &deck)
            .await
            .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("{e}")))?;
        let id = u32::try_from(c.id).unwrap_or(u32::MAX);
        names.insert(id, (c.id, c.name.clone()));
        carriers.push(Carrier {
            id: CarrierId(id),
            name: c.name.clone(),
            enabled: c.status == "active",
            deck,
        });
    }
    let index = LcrIndex::new(carriers);
    let plan_tier = tier.to_tier(&all.iter().map(|c| c.id).collect::<Vec<_>>(), extra_blocked);
    let quality = HashMap::new();
    let query = RouteQuery {
        number,
        at,
        call_id: "lcr-tester",
        sell: None,
        quality: &quality,
        acd_secs: None,
    };
    let plan = index.route(&plan_tier, &query);
    let trunk_rows = scoped::<trunks::Entity>(actor)
        .filter(trunks::Column::Enabled.eq(true))
        .order_by_asc(trunks::Column::Name)
        .all(db)
        .await?;
    let call = Call {
        number,
        start: at,
        duration_secs,
        answered: true,
    };
    let mut routes = Vec::new();
    for r in &plan.routes {
        let Some(carrier) = index.carriers().iter().find(|c| c.id == r.carrier) else {
            continue;
        };
        let breakdown = price_row(&carrier.deck, r.row, &call, &RatingOptions::default());
        let (db_id, name) = names.get(&r.carrier.0).cloned().unwrap_or_default();
        routes.push(TestedRoute {
            carrier: (db_id, name),
            prefix: r.row.prefix.to_string(),
            destination: r.row.destination.clone(),
            rate: r.rate.to_string(),
            increment: r.row.increment.to_string(),
            connection_fee: r.row.connection_fee.to_string(),
            cost: breakdown.total.amount.to_string(),
            currency: carrier.deck.currency().code().to_owned(),
            trunks: trunk_rows
                .iter()
                .filter(|t| t.carrier_id == db_id)
                .map(|t| crate::carriers::sip_uri(&t.host, t.port, &t.transport))
                .collect(),
            flags: r.margin_flags.iter().map(reason).collect(),
        });
    }
    let excluded = plan
        .excluded
        .iter()
        .map(|e| {
            let name = names
                .get(&e.carrier.0)
                .map_or_else(|| format!("carrier {}", e.carrier.0), |(_, n)| n.clone());
            (name, reason(&e.reason))
        })
        .collect();
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
    })
}
