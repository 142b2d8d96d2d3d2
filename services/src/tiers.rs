//! Quality tiers (routing plans) of a tenant: Premium, Standard and Economy by default, editable.
//! A tier says which carriers carry its calls, how they are ordered (lowest cost, quality
//! weighted, priority list, percentage split), when a failed attempt moves to the next route,
//! which destinations it never routes (prefixes and A-Z types) and how margins are protected.

use crate::audit::{Actor, Changes};
use crate::carriers::manages_carriers;
use crate::entities::{carriers, routing_tiers as tiers};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use chrono::Utc;
use domain::destinations::DestinationKind;
use domain::lcr::{CarrierId, FailoverPolicy, MarginProtection, Quality, Strategy, Tier};
use domain::number::Prefix;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, IntoActiveModel,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};

mod check;

use check::{Checked, check};

/// Strategies, by their stored keys.
pub const STRATEGIES: [&str; 4] = [
    "lowest_cost",
    "quality_weighted",
    "priority",
    "percentage_split",
];

/// SIP final responses that mean the callee (or the network on its behalf) answered: busy (486),
/// unavailable (480), no such number (404), declined (603). Redialling them through another
/// carrier rings a busy or absent callee again; a tier may never fail over on them.
pub const NEVER_FAIL_OVER: [u16; 4] = [404, 480, 486, 603];

/// A tier's form.
#[derive(Debug, Clone, Default)]
pub struct TierInput {
    /// Name, unique within the tenant (at most 60 characters).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// One of [`STRATEGIES`].
    pub strategy: String,
    /// Carrier ids allowed (empty: every carrier of the tenant).
    pub carriers: Vec<i64>,
    /// Priority strategy: carrier names in order, comma-separated.
    pub priority: String,
    /// Percentage split: `Carrier name=70, Other=30`.
    pub split: String,
    /// Quality weighted: ACD in seconds at which a carrier gets full marks (default 60).
    pub target_acd: String,
    /// Fail over on any 5xx.
    pub next_on_5xx: bool,
    /// Fail over on a timeout.
    pub next_on_timeout: bool,
    /// More codes that fail over, comma-separated (default 408).
    pub next_on: String,
    /// Codes that stop even within 5xx, comma-separated.
    pub stop_on: String,
    /// Blocked prefixes, comma- or space-separated.
    pub blocked_prefixes: String,
    /// Blocked A-Z types (keys of [`DestinationKind`]).
    pub blocked_kinds: Vec<String>,
    /// Margin protection: call durations to check in seconds, comma-separated (empty: only the
    /// rate per minute is compared with the sell rate).
    pub margin_durations: String,
    /// Margin protection: also check the destination's ACD.
    pub margin_acd: bool,
    /// Margin protection: exclude losing routes (else they are kept and flagged).
    pub margin_exclude: bool,
    /// Publish the tier's sell rates (its card in force for all customers) on the tenant's
    /// website, through the public rates endpoint and the price widget.
    pub public_rates: bool,
}

/// Stored strategy settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyConfig {
    /// Quality weighted: full marks at this ACD.
    pub target_acd_secs: u32,
    /// Priority: carrier ids in order.
    pub order: Vec<i64>,
    /// Percentage split: (carrier id, weight).
    pub weights: Vec<(i64, u32)>,
}

/// Stored failover settings (see [`FailoverPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverConfig {
    /// Any 5xx moves on.
    pub next_on_5xx: bool,
    /// A timeout moves on.
    pub next_on_timeout: bool,
    /// Further codes that move on.
    pub next_on: Vec<u16>,
    /// Codes that stop within 5xx.
    pub stop_on: Vec<u16>,
}

impl Default for FailoverConfig {
    fn default() -> Self {
        let p = FailoverPolicy::default();
        FailoverConfig {
            next_on_5xx: p.next_on_5xx,
            next_on_timeout: p.next_on_timeout,
            next_on: p.next_on,
            stop_on: p.stop_on,
        }
    }
}

/// Stored margin protection (see [`MarginProtection`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginConfig {
    /// Durations checked, in seconds.
    pub durations_secs: Vec<u32>,
    /// Also the ACD.
    pub include_acd: bool,
    /// Exclude (or only flag) losing routes.
    pub exclude: bool,
}

/// A stored tier read back: its row and its parsed settings.
#[derive(Debug, Clone)]
pub struct TierInfo {
    /// The row.
    pub row: tiers::Model,
    /// Carrier ids allowed (empty: all).
    pub carriers: Vec<i64>,
    /// Strategy settings.
    pub config: StrategyConfig,
    /// Failover.
    pub failover: FailoverConfig,
    /// Blocked prefixes.
    pub blocked_prefixes: Vec<String>,
    /// Blocked types.
    pub blocked_kinds: Vec<DestinationKind>,
    /// Margin protection, if any.
    pub margin: Option<MarginConfig>,
}

impl TierInfo {
    pub(crate) fn from_row(row: tiers::Model) -> Self {
        let split = |s: &str| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        TierInfo {
            carriers: serde_json::from_str(&row.carriers).unwrap_or_default(),
            config: serde_json::from_str(&row.strategy_config).unwrap_or_default(),
            failover: serde_json::from_str(&row.failover).unwrap_or_default(),
            blocked_prefixes: split(&row.blocked_prefixes),
            blocked_kinds: split(&row.blocked_kinds)
                .iter()
                .filter_map(|k| DestinationKind::parse(k).ok())
                .collect(),
            margin: serde_json::from_str(&row.margin).ok(),
            row,
        }
    }

    /// The routing plan as the domain routes with it, blocking `extra_blocked` too (the
    /// prefixes of the blocked A-Z types). Carrier ids are the carriers' database ids.
    pub fn to_tier(&self, all_carriers: &[i64], extra_blocked: Vec<Prefix>) -> Tier {
        let id = |i: i64| CarrierId(u32::try_from(i).unwrap_or(u32::MAX));
        let strategy = match self.row.strategy.as_str() {
            "quality_weighted" => Strategy::QualityWeighted {
                target_acd_secs: if self.config.target_acd_secs == 0 {
                    60
                } else {
                    self.config.target_acd_secs
                },
                default_quality: Quality {
                    asr: Decimal::new(5, 1),
                    acd_secs: 60,
                },
            },
            "priority" => Strategy::Priority(self.config.order.iter().map(|&i| id(i)).collect()),
            "percentage_split" => Strategy::PercentageSplit(
                self.config
                    .weights
                    .iter()
                    .map(|&(i, w)| (id(i), w))
                    .collect(),
            ),
            _ => Strategy::LowestCost,
        };
        let allowed = if self.carriers.is_empty() {
            all_carriers.to_vec()
        } else {
            self.carriers.clone()
        };
        let mut blocked: Vec<Prefix> = self
            .blocked_prefixes
            .iter()
            .filter_map(|p| Prefix::parse(p).ok())
            .collect();
        blocked.extend(extra_blocked);
        Tier {
            name: self.row.name.clone(),
            carriers: allowed.into_iter().map(id).collect(),
            strategy,
            failover: FailoverPolicy {
                next_on_5xx: self.failover.next_on_5xx,
                next_on_timeout: self.failover.next_on_timeout,
                next_on: self.failover.next_on.clone(),
                stop_on: self.failover.stop_on.clone(),
            },
            blocked,
            margin: self.margin.as_ref().map(|m| MarginProtection {
                durations_secs: m.durations_secs.clone(),
                include_acd: m.include_acd,
                exclude: m.exclude,
            }),
        }
    }
}

fn operator(actor: &Actor) -> Result<(), ServiceError> {
    if manages_carriers(actor.role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn apply(model: &mut tiers::ActiveModel, c: &Checked) {
    model.name = Set(c.name.clone());
    model.description = Set(c.description.clone());
    model.strategy = Set(c.strategy.clone());
    model.strategy_config = Set(serde_json::to_string(&c.config).unwrap_or_default());
    model.carriers = Set(serde_json::to_string(&c.carriers).unwrap_or_default());
    model.failover = Set(serde_json::to_string(&c.failover).unwrap_or_default());
    model.blocked_prefixes = Set(c.blocked_prefixes.clone());
    model.blocked_kinds = Set(c.blocked_kinds.clone());
    model.margin = Set(c
        .margin
        .as_ref()
        .map(|m| serde_json::to_string(m).unwrap_or_default())
        .unwrap_or_default());
    model.public_rates = Set(c.public_rates);
    model.updated_at = Set(Utc::now());
}

fn audit_of(before: Option<&tiers::Model>, after: &tiers::ActiveModel) -> Changes {
    let get = |v: &sea_orm::ActiveValue<String>| match v {
        Set(s) => s.clone(),
        _ => String::new(),
    };
    let b =
        |f: fn(&tiers::Model) -> String| before.map_or(serde_json::Value::Null, |m| f(m).into());
    Changes::new()
        .field("name", b(|m| m.name.clone()), get(&after.name))
        .field(
            "description",
            b(|m| m.description.clone()),
            get(&after.description),
        )
        .field("strategy", b(|m| m.strategy.clone()), get(&after.strategy))
        .field(
            "strategy_config",
            b(|m| m.strategy_config.clone()),
            get(&after.strategy_config),
        )
        .field("carriers", b(|m| m.carriers.clone()), get(&after.carriers))
        .field("failover", b(|m| m.failover.clone()), get(&after.failover))
        .field(
            "blocked_prefixes",
            b(|m| m.blocked_prefixes.clone()),
            get(&after.blocked_prefixes),
        )
        .field(
            "blocked_kinds",
            b(|m| m.blocked_kinds.clone()),
            get(&after.blocked_kinds),
        )
        .field("margin", b(|m| m.margin.clone()), get(&after.margin))
        .field(
            "public_rates",
            before.map_or(serde_json::Value::Null, |m| m.public_rates.into()),
            matches!(after.public_rates, Set(true)),
        )
}

/// Creates (`id` None) or updates a tier.
///
/// # Errors
/// `Validation` naming each bad field (an unknown carrier in the priority list, a failover
/// code in [`NEVER_FAIL_OVER`]...), `Conflict{name}`, `NotFound`, `Forbidden`.
pub async fn save_tier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i64>,
    input: TierInput,
) -> Result<tiers::Model, ServiceError> {
    operator(actor)?;
    let before = match id {
        Some(id) => Some(find_scoped::<tiers::Entity>(db, actor, id).await?),
        None => None,
    };
    let c = check(db, actor, &input).await?;
    let mut model = match &before {
        Some(b) => b.clone().into_active_model(),
        None => tiers::ActiveModel {
            tenant_id: Set(actor.tenant_id),
            created_at: Set(Utc::now()),
            ..Default::default()
        },
    };
    apply(&mut model, &c);
    let changes = audit_of(before.as_ref(), &model);
    let txn = db.begin().await?;
    let row = if before.is_some() {
        model.update(&txn).await.map_err(conflict_on("name"))?
    } else {
        model.insert(&txn).await.map_err(conflict_on("name"))?
    };
    let action = if before.is_some() { "update" } else { "create" };
    actor
        .audit(&txn, action, "routing_tier", row.id, changes)
        .await?;
    crate::routes::changed(&txn, actor.tenant_id).await?;
    txn.commit().await?;
    Ok(row)
}

/// The tenant's tiers by name, creating Premium, Standard and Economy first when it has none.
///
/// # Errors
/// `Forbidden`; database errors.
pub async fn list_tiers(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<TierInfo>, ServiceError> {
    operator(actor)?;
    let rows = scoped::<tiers::Entity>(actor)
        .order_by_asc(tiers::Column::Name)
        .all(db)
        .await?;
    if !rows.is_empty() {
        return Ok(rows.into_iter().map(TierInfo::from_row).collect());
    }
    // All three in one transaction: a request racing this one sees none or all of them, and
    // its own attempt fails on the unique names and is dropped.
    let mut models = Vec::new();
    for input in default_tiers() {
        let c = check(db, actor, &input).await?;
        let mut model = tiers::ActiveModel {
            tenant_id: Set(actor.tenant_id),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        apply(&mut model, &c);
        models.push(model);
    }
    let txn = db.begin().await?;
    let mut created = true;
    for model in models {
        let changes = audit_of(None, &model);
        match model.insert(&txn).await {
            Ok(row) => {
                actor
                    .audit(&txn, "create", "routing_tier", row.id, changes)
                    .await?;
            }
            Err(_) => {
                created = false;
                break;
            }
        }
    }
    if created {
        crate::routes::changed(&txn, actor.tenant_id).await?;
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(scoped::<tiers::Entity>(actor)
        .order_by_asc(tiers::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(TierInfo::from_row)
        .collect())
}

/// One tier.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn get_tier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<TierInfo, ServiceError> {
    operator(actor)?;
    Ok(TierInfo::from_row(
        find_scoped::<tiers::Entity>(db, actor, id).await?,
    ))
}

/// The three tiers a tenant starts with.
fn default_tiers() -> Vec<TierInput> {
    let base = TierInput {
        next_on_5xx: true,
        next_on_timeout: true,
        next_on: "408".into(),
        ..Default::default()
    };
    vec![
        TierInput {
            name: "Premium".into(),
            description: "Best quality first (ASR and ACD); losing routes excluded at 15 s, 60 s and the ACD.".into(),
            strategy: "quality_weighted".into(),
            target_acd: "90".into(),
            margin_durations: "15, 60".into(),
            margin_acd: true,
            margin_exclude: true,
            ..base.clone()
        },
        TierInput {
            name: "Standard".into(),
            description: "Lowest cost first; losing routes excluded at 15 s and 60 s.".into(),
            strategy: "lowest_cost".into(),
            margin_durations: "15, 60".into(),
            margin_exclude: true,
            ..base.clone()
        },
        TierInput {
            name: "Economy".into(),
            description: "Lowest cost first; no premium-rate or satellite destinations.".into(),
            strategy: "lowest_cost".into(),
            blocked_kinds: vec!["premium".into(), "satellite".into()],
            ..base
        },
    ]
}

/// The tenant's carriers (for forms).
///
/// # Errors
/// Database errors.
pub async fn tenant_carriers(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<carriers::Model>, ServiceError> {
    operator(actor)?;
    Ok(scoped::<carriers::Entity>(actor)
        .filter(carriers::Column::TenantId.eq(actor.tenant_id))
        .order_by_asc(carriers::Column::Name)
        .all(db)
        .await?)
}
