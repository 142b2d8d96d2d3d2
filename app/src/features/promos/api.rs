use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A promo code as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoRow {
    /// Id.
    pub id: i64,
    /// The code, e.g. `WELCOME10`.
    pub code: String,
    /// Its description.
    pub description: String,
    /// What it gives, e.g. `10 % (at most 20.00 USD)`.
    pub reward: String,
    /// The smallest top-up, with currency, or empty.
    pub min_top_up: String,
    /// `2026-12-01 to 2026-12-31`, `from …`, `until …` or empty.
    pub validity: String,
    /// `3 of 100`, `3`.
    pub uses: String,
    /// Per-customer limit, or empty.
    pub per_customer: String,
    /// The category's name, or empty for every customer.
    pub category: String,
    /// Bonus credited in all, with currency.
    pub bonus: String,
    /// Whether it is on.
    pub active: bool,
}

/// The Promo codes page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromosPage {
    /// The codes, newest first.
    pub codes: Vec<PromoRow>,
    /// Categories for the form: (id, name).
    pub categories: Vec<(String, String)>,
}

/// Every promo code of the tenant (staff only).
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "promo_codes_data")]
pub async fn promo_codes_data() -> Result<PromosPage, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::ledger::currency_decimals;
    use services::payments::promo;
    let nf = crate::ssr::number_format();
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let rows = promo::list(&svc.db, &actor).await.map_err(fail)?;
    let categories = services::categories::list_categories(&svc.db, &actor)
        .await
        .map_err(fail)?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| categories.iter().find(|c| c.category.id == id))
            .map(|c| c.category.name.clone())
            .unwrap_or_default()
    };
    let day = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
    let codes = rows
        .into_iter()
        .map(|r| {
            let p = &r.promo;
            let minor = currency_decimals(&p.currency);
            let money = |m: i64| nf.money(m, minor, &p.currency);
            let last_day = p.valid_to.map(|t| day(t - chrono::Duration::days(1)));
            let validity = match (p.valid_from.map(day), last_day) {
                (Some(f), Some(t)) => format!("{f} to {t}"),
                (Some(f), None) => format!("from {f}"),
                (None, Some(t)) => format!("until {t}"),
                (None, None) => String::new(),
            };
            PromoRow {
                id: p.id,
                code: p.code.clone(),
                description: p.description.clone(),
                reward: promo::reward_text(p),
                min_top_up: if p.min_top_up_micros > 0 {
                    money(p.min_top_up_micros)
                } else {
                    String::new()
                },
                validity,
                uses: match p.max_uses {
                    Some(max) => format!("{} of {max}", p.redeemed),
                    None => p.redeemed.to_string(),
                },
                per_customer: p
                    .max_uses_per_customer
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                category: name_of(p.category_id),
                bonus: format!("{} ({} credited)", money(r.bonus_micros), r.applied),
                active: p.active,
            }
        })
        .collect();
    Ok(PromosPage {
        codes,
        categories: categories
            .iter()
            .map(|c| (c.category.id.to_string(), c.category.name.clone()))
            .collect(),
    })
}

/// Creates a promo code (staff only); see `services::payments::promo::create`.
///
/// # Errors
/// `Validation` naming each bad field; `Conflict{code}`; `Forbidden`.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "create_promo_code")]
pub async fn create_promo_code(
    code: String,
    description: String,
    kind: String,
    value: String,
    currency: String,
    min_top_up: String,
    max_bonus: String,
    max_uses: String,
    max_uses_per_customer: String,
    valid_from: String,
    valid_to: String,
    category_id: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::payments::promo::{self, PromoInput};
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let saved = promo::create(
        &svc.db,
        &me.actor(),
        PromoInput {
            code,
            description,
            kind,
            value,
            currency,
            min_top_up,
            max_bonus,
            max_uses,
            max_uses_per_customer,
            valid_from,
            valid_to,
            category_id: category_id.trim().parse().ok(),
        },
    )
    .await
    .map_err(fail)?;
    Ok(format!("Promo code {} created.", saved.code))
}

/// Turns a promo code on (`active = "true"`) or off (staff only).
///
/// # Errors
/// `NotFound` for another tenant's code; `Forbidden`.
#[server(endpoint = "set_promo_code_active")]
pub async fn set_promo_code_active(id: i64, active: String) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let on = active == "true";
    let saved = services::payments::promo::set_active(&svc.db, &me.actor(), id, on)
        .await
        .map_err(fail)?;
    Ok(format!(
        "{} is {}.",
        saved.code,
        if on { "on" } else { "off" }
    ))
}
