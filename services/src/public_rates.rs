//! A tenant's public sell rates: what a visitor of the tenant's own website sees in the price
//! widget. Only tiers marked `public_rates` are shown, with their sell card in force for all
//! customers (never a category's own card, never a buy rate), read from the in-memory route
//! snapshot ([`crate::routes`]), so a look-up costs no database query.

use crate::error::ServiceError;
use crate::state::Services;
use chrono::Utc;
use domain::number::E164;
use serde::Serialize;

/// One public tier's rate for a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicRate {
    /// The tier's name, e.g. `Standard`.
    pub tier: String,
    /// The card's matched prefix (longest match), e.g. `4420`.
    pub prefix: String,
    /// The card's destination name.
    pub destination: String,
    /// Price per minute, exact decimal text, e.g. `0.0120`.
    pub rate_per_minute: String,
    /// ISO 4217 code of the card.
    pub currency: String,
    /// Billing increments in seconds, `initial/next` (e.g. `60/60`), `/minimum` when set.
    pub increment: String,
    /// The increments in words for the public, e.g. `per minute`, `first 30 s, then per 6 s`.
    pub billing: String,
    /// Charge per answered call, exact decimal text (`0` for none).
    pub connection_fee: String,
}

/// The public answer for one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicAnswer {
    /// The number as read, E.164 digits without `+`.
    pub number: String,
    /// Its A-Z destination name, when known.
    pub destination: Option<String>,
    /// Its country, when known.
    pub country: Option<String>,
    /// One rate per public tier that prices the number, in the tiers' order; empty when none
    /// does.
    pub rates: Vec<PublicRate>,
    /// Whether the tenant publishes any tier at all (an empty `rates` then means "not this
    /// destination" rather than "no price list").
    pub published: bool,
}

/// The public rates of tenant `tenant_id` for `number` (international format: `+`, `00` or
/// digits; spaces and dashes allowed), at this instant.
///
/// # Errors
/// `Validation{number}` for a number that is not E.164 (the message says the format);
/// database errors while building the tenant's route snapshot.
pub async fn public_rates(
    services: &Services,
    tenant_id: i64,
    number: &str,
) -> Result<PublicAnswer, ServiceError> {
    let parsed = E164::parse(number).map_err(|e| {
        ServiceError::field(
            "number",
            &format!("{e}: type the number in international format, like +44 20 7946 0000"),
        )
    })?;
    let snapshot = services.routes.snapshot(tenant_id).await?;
    let at = Utc::now();
    let public: Vec<_> = snapshot.tiers.iter().filter(|t| t.public_rates).collect();
    let rates = public
        .iter()
        .filter_map(|tier| {
            let card = snapshot.sell.get(&(tier.id, None))?;
            let row = card.lookup(parsed, at)?;
            Some(PublicRate {
                tier: tier.name.clone(),
                prefix: row.prefix.to_string(),
                destination: row.destination.clone(),
                rate_per_minute: row.rate.to_string(),
                currency: card.currency().code().to_owned(),
                increment: row.increment.to_string(),
                billing: row.increment.describe(),
                connection_fee: row.connection_fee.to_string(),
            })
        })
        .collect();
    let az = snapshot.az.lookup(parsed);
    Ok(PublicAnswer {
        number: parsed.to_string(),
        destination: az.map(|d| d.name.clone()),
        country: az.map(|d| d.country.clone()),
        rates,
        published: !public.is_empty(),
    })
}
