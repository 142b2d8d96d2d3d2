//! Checking a tier's form: every field's error named, carriers and blocked destination types
//! looked up in the tenant, failover codes parsed.

use super::*;
use crate::validate::Checks;

fn codes(checks: &mut Checks, field: &str, text: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for part in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.parse::<u16>() {
            Ok(c) if (100..=699).contains(&c) => out.push(c),
            _ => checks.fail(
                field,
                format!("`{part}` is not a SIP response code (100-699)"),
            ),
        }
    }
    out
}

pub(super) struct Checked {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) strategy: String,
    pub(super) config: StrategyConfig,
    pub(super) carriers: Vec<i64>,
    pub(super) failover: FailoverConfig,
    pub(super) blocked_prefixes: String,
    pub(super) blocked_kinds: String,
    pub(super) margin: Option<MarginConfig>,
    pub(super) public_rates: bool,
}

pub(super) async fn check(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &TierInput,
) -> Result<Checked, ServiceError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, 60, true);
    let description = checks.text("description", &input.description, 500, false);
    let strategy = checks.one_of("strategy", &input.strategy, &STRATEGIES);
    let known = scoped::<carriers::Entity>(actor)
        .order_by_asc(carriers::Column::Name)
        .all(db)
        .await?;
    let by_name = |n: &str| {
        known
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(n.trim()))
            .map(|c| c.id)
    };
    let mut carrier_ids = Vec::new();
    for id in &input.carriers {
        if known.iter().any(|c| c.id == *id) {
            if !carrier_ids.contains(id) {
                carrier_ids.push(*id);
            }
        } else {
            checks.fail("carriers", "must be carriers of this tenant");
        }
    }
    let mut config = StrategyConfig::default();
    match strategy.as_str() {
        "quality_weighted" => {
            let t = input.target_acd.trim();
            config.target_acd_secs = if t.is_empty() {
                60
            } else {
                match t.parse::<u32>() {
                    Ok(s) if (1..=3600).contains(&s) => s,
                    _ => {
                        checks.fail("target_acd", "must be seconds from 1 to 3600");
                        60
                    }
                }
            };
        }
        "priority" => {
            let names: Vec<&str> = input
                .priority
                .split(',')
                .filter(|n| !n.trim().is_empty())
                .collect();
            for n in &names {
                match by_name(n) {
                    Some(id) => config.order.push(id),
                    None => checks.fail(
                        "priority",
                        format!("`{}` is not a carrier of this tenant", n.trim()),
                    ),
                }
            }
            if names.is_empty() {
                checks.fail(
                    "priority",
                    "lists the carriers in order, like Northwind Voice, Contoso Telecom",
                );
            }
        }
        "percentage_split" => {
            let parts: Vec<&str> = input
                .split
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .collect();
            for part in &parts {
                let Some((n, w)) = part.rsplit_once('=') else {
                    checks.fail(
                        "split",
                        format!("`{}` is not `Carrier=weight`", part.trim()),
                    );
                    continue;
                };
                match (by_name(n), w.trim().parse::<u32>()) {
                    (Some(id), Ok(w)) if w > 0 => config.weights.push((id, w)),
                    (None, _) => checks.fail(
                        "split",
                        format!("`{}` is not a carrier of this tenant", n.trim()),
                    ),
                    _ => checks.fail(
                        "split",
                        format!("`{}` needs a whole weight above 0", part.trim()),
                    ),
                }
            }
            if parts.is_empty() {
                checks.fail(
                    "split",
                    "gives weights like Northwind Voice=70, Contoso Telecom=30",
                );
            } else if config.weights.len() == parts.len() {
                let total: u32 = config.weights.iter().map(|(_, w)| *w).sum();
                if total != 100 {
                    checks.fail(
                        "split",
                        format!(
                            "shares out calls in percent: the weights add up to {total}, not 100"
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    let next_on = codes(&mut checks, "next_on", &input.next_on);
    let stop_on = codes(&mut checks, "stop_on", &input.stop_on);
    if let Some(c) = next_on.iter().find(|c| NEVER_FAIL_OVER.contains(c)) {
        checks.fail(
            "next_on",
            format!("may not include {c}: the callee answered (busy, unavailable, unknown or declined), and redialling through another carrier would ring them again"),
        );
    }
    let mut prefixes = Vec::new();
    for p in input
        .blocked_prefixes
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match Prefix::parse(p.trim_start_matches('+')) {
            Ok(prefix) => prefixes.push(prefix.to_string()),
            Err(e) => checks.fail("blocked_prefixes", format!("`{p}`: {e}")),
        }
    }
    let mut kinds = Vec::new();
    for k in &input.blocked_kinds {
        match DestinationKind::parse(k) {
            Ok(kind) => kinds.push(kind.as_str()),
            Err(e) => checks.fail("blocked_kinds", e.to_string()),
        }
    }
    let mut durations = Vec::new();
    for d in input
        .margin_durations
        .split([',', ' '])
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        match d.parse::<u32>() {
            Ok(s) if (1..=86_400).contains(&s) => durations.push(s),
            _ => checks.fail(
                "margin_durations",
                format!("`{d}` is not a duration in seconds (1-86400)"),
            ),
        }
    }
    checks.finish()?;
    let margin = (!durations.is_empty() || input.margin_acd).then_some(MarginConfig {
        durations_secs: durations,
        include_acd: input.margin_acd,
        exclude: input.margin_exclude,
    });
    Ok(Checked {
        name,
        description,
        strategy,
        config,
        carriers: carrier_ids,
        failover: FailoverConfig {
            next_on_5xx: input.next_on_5xx,
            next_on_timeout: input.next_on_timeout,
            next_on,
            stop_on,
        },
        blocked_prefixes: prefixes.join(","),
        blocked_kinds: kinds.join(","),
        margin,
        public_rates: input.public_rates,
    })
}
