use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A tier as the page shows and edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Strategy key.
    pub strategy: String,
    /// Carrier ids allowed (empty: all).
    pub carriers: Vec<i64>,
    /// Carrier names allowed, for the table (`All carriers` when empty).
    pub carrier_names: String,
    /// Priority list as carrier names.
    pub priority: String,
    /// Split as `Name=weight, ...`.
    pub split: String,
    /// Target ACD in seconds.
    pub target_acd: String,
    /// Fail over on 5xx.
    pub next_on_5xx: bool,
    /// Fail over on timeouts.
    pub next_on_timeout: bool,
    /// More codes that fail over.
    pub next_on: String,
    /// Codes that stop.
    pub stop_on: String,
    /// Blocked prefixes.
    pub blocked_prefixes: String,
    /// Blocked A-Z type keys.
    pub blocked_kinds: Vec<String>,
    /// Margin protection durations.
    pub margin_durations: String,
    /// Margin protection checks the ACD.
    pub margin_acd: bool,
    /// Margin protection excludes losers.
    pub margin_exclude: bool,
    /// Its card for all customers is shown on the tenant's website.
    pub public_rates: bool,
}

/// The tiers page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TiersData {
    /// The tiers by name.
    pub tiers: Vec<TierRow>,
    /// The tenant's carriers: (id, name).
    pub carriers: Vec<(i64, String)>,
    /// The tenant's customers (for the tester): (id, company name).
    pub customers: Vec<(i64, String)>,
    /// The origin the page was served from (`https://portal.example.com`): the price widget's
    /// script is loaded from there.
    pub site_origin: String,
}

/// A route of the tester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    /// Carrier name.
    pub carrier: String,
    /// Matched prefix.
    pub prefix: String,
    /// Carrier's destination name.
    pub destination: String,
    /// Rate per minute with currency.
    pub rate: String,
    /// Increments.
    pub increment: String,
    /// Connection fee.
    pub connection_fee: String,
    /// Cost of the call with currency.
    pub cost: String,
    /// Trunk addresses.
    pub trunks: Vec<String>,
    /// Margin flags.
    pub flags: Vec<String>,
    /// With a customer: sell rate less buy rate per minute.
    pub margin: String,
}

/// The tester's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LcrResult {
    /// Number as routed.
    pub number: String,
    /// A-Z destination.
    pub destination: Option<String>,
    /// Tier name.
    pub tier: String,
    /// Instant routed at.
    pub at: String,
    /// Duration priced.
    pub duration_secs: u32,
    /// Routes in order.
    pub routes: Vec<RouteRow>,
    /// (carrier, reason).
    pub excluded: Vec<(String, String)>,
    /// Carriers without deck in force.
    pub without_deck: Vec<String>,
    /// Failover in words.
    pub failover: String,
    /// With a customer: its sell card and rate, in words.
    pub sell: Option<String>,
}

/// The tenant's tiers (Premium, Standard and Economy are created the first time) and carriers.
///
/// # Errors
/// `Forbidden` unless staff or switch operator.
#[server(endpoint = "list_tiers")]
pub async fn list_tiers() -> Result<TiersData, AppError> {
    use crate::ssr::{fail, services, signed_in};
    // Read from the request's context before the first database await.
    let site_origin = crate::ssr::site_origin();
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let tiers = services::tiers::list_tiers(&svc.db, &actor)
        .await
        .map_err(fail)?;
    let carriers: Vec<(i64, String)> = services::tiers::tenant_carriers(&svc.db, &actor)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let name = |id: i64| {
        carriers
            .iter()
            .find(|(c, _)| *c == id)
            .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
    };
    let rows = tiers
        .into_iter()
        .map(|t| TierRow {
            id: t.row.id,
            name: t.row.name.clone(),
            description: t.row.description.clone(),
            strategy: t.row.strategy.clone(),
            carrier_names: if t.carriers.is_empty() {
                "All carriers".to_owned()
            } else {
                t.carriers
                    .iter()
                    .map(|&i| name(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            carriers: t.carriers.clone(),
            priority: t
                .config
                .order
                .iter()
                .map(|&i| name(i))
                .collect::<Vec<_>>()
                .join(", "),
            split: t
                .config
                .weights
                .iter()
                .map(|&(i, w)| format!("{}={w}", name(i)))
                .collect::<Vec<_>>()
                .join(", "),
            target_acd: if t.config.target_acd_secs == 0 {
                String::new()
            } else {
                t.config.target_acd_secs.to_string()
            },
            next_on_5xx: t.failover.next_on_5xx,
            next_on_timeout: t.failover.next_on_timeout,
            next_on: t
                .failover
                .next_on
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            stop_on: t
                .failover
                .stop_on
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            blocked_prefixes: t.blocked_prefixes.join(", "),
            blocked_kinds: t
                .blocked_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            margin_durations: t
                .margin
                .as_ref()
                .map(|m| {
                    m.durations_secs
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            margin_acd: t.margin.as_ref().is_some_and(|m| m.include_acd),
            margin_exclude: t.margin.as_ref().is_some_and(|m| m.exclude),
            public_rates: t.row.public_rates,
        })
        .collect();
    let customers = services::sell_cards::customer_choices(&svc.db, &actor)
        .await
        .map_err(fail)?;
    Ok(TiersData {
        tiers: rows,
        carriers,
        customers,
        site_origin,
    })
}

/// Creates (`id` empty) or updates a tier, then shows the tiers.
///
/// # Errors
/// `Validation` naming each bad field; `Conflict{name}`; `NotFound`; `Forbidden`.
#[server(endpoint = "save_tier")]
#[allow(clippy::too_many_arguments)]
pub async fn save_tier(
    id: String,
    name: String,
    description: String,
    strategy: String,
    carriers: Option<Vec<String>>,
    priority: String,
    split: String,
    target_acd: String,
    next_on_5xx: Option<String>,
    next_on_timeout: Option<String>,
    next_on: String,
    stop_on: String,
    blocked_prefixes: String,
    blocked_kinds: Option<Vec<String>>,
    margin_durations: String,
    margin_acd: Option<String>,
    margin_exclude: Option<String>,
    public_rates: Option<String>,
) -> Result<i64, AppError> {
    use crate::features::customers::api::optional_id;
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let base = me.role.portal().base_path();
    let carriers = carriers
        .unwrap_or_default()
        .iter()
        .map(|c| optional_id("carriers", c))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let input = services::tiers::TierInput {
        name,
        description,
        strategy,
        carriers,
        priority,
        split,
        target_acd,
        next_on_5xx: next_on_5xx.is_some(),
        next_on_timeout: next_on_timeout.is_some(),
        next_on,
        stop_on,
        blocked_prefixes,
        blocked_kinds: blocked_kinds.unwrap_or_default(),
        margin_durations,
        margin_acd: margin_acd.is_some(),
        margin_exclude: margin_exclude.is_some(),
        public_rates: public_rates.is_some(),
    };
    let saved = services::tiers::save_tier(&svc.db, &me.actor(), optional_id("id", &id)?, input)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!("{base}/routing?saved={}", saved.id));
    Ok(saved.id)
}

/// Routes `number` in tier `tier` (Standard, or the first tier, when `None`) at `at` (`YYYY-MM-DDTHH:MM` UTC, now when empty) and prices
/// a call of `duration` seconds (60 when empty) on every route.
///
/// # Errors
/// `Validation{number|duration|at}`; `NotFound`; `Forbidden`.
#[server(endpoint = "test_lcr")]
pub async fn test_lcr(
    number: String,
    tier: Option<i64>,
    duration: Option<String>,
    at: Option<String>,
    customer: Option<i64>,
) -> Result<LcrResult, AppError> {
    use crate::features::users::api::convert::time;
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let duration = match duration.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => 60,
        Some(d) => d.parse::<u32>().map_err(|_| {
            fail(services::ServiceError::field(
                "duration",
                "must be whole seconds, like 60",
            ))
        })?,
    };
    let at = match at.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(t) => Some(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                .map_err(|_| {
                    fail(services::ServiceError::field(
                        "at",
                        "must be a date and time, like 2026-12-01T09:30 (UTC)",
                    ))
                })?
                .and_utc(),
        ),
    };
    // Without a tier: Standard, or the first one.
    let tier = match tier {
        Some(t) => t,
        None => {
            let tiers = services::tiers::list_tiers(&svc.db, &me.actor())
                .await
                .map_err(fail)?;
            tiers
                .iter()
                .find(|t| t.row.name == "Standard")
                .or(tiers.first())
                .map(|t| t.row.id)
                .ok_or_else(|| {
                    fail(services::ServiceError::field(
                        "tier",
                        "is required: create a routing tier first",
                    ))
                })?
        }
    };
    let t = services::lcr::test_route(&svc.db, &me.actor(), &number, tier, at, duration, customer)
        .await
        .map_err(fail)?;
    Ok(LcrResult {
        number: t.number,
        destination: t.destination,
        tier: t.tier,
        at: time(t.at),
        duration_secs: t.duration_secs,
        routes: t
            .routes
            .into_iter()
            .map(|r| RouteRow {
                carrier: r.carrier.1,
                prefix: r.prefix,
                destination: r.destination,
                rate: format!("{} {}", r.rate, r.currency),
                increment: r.increment,
                connection_fee: r.connection_fee,
                cost: format!("{} {}", r.cost, r.currency),
                trunks: r.trunks,
                flags: r.flags,
                margin: r.margin.unwrap_or_default(),
            })
            .collect(),
        excluded: t.excluded,
        without_deck: t.without_deck,
        failover: t.failover,
        sell: t.sell,
    })
}
