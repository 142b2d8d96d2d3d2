//! Rating one readable CDR against a route snapshot: the carrier's deck for the buy cost, the
//! customer's card of the call's tier for the price (converted into the customer's billing
//! currency with the newest exchange rates when the card is in another, [`domain::fx`]), and
//! why a call cannot be rated.

use super::{AMOUNT_DECIMALS, IdOrName, Parsed};
use crate::entities::customers;
use crate::routes::RouteSnapshot;
use crate::state::Services;
use chrono::{DateTime, Utc};
use domain::cdr::{Cdr, CdrError, CustomerId, rate_with_decks};
use domain::deck::RateDeck;
use domain::fx::FxRates;
use domain::lcr::CarrierId;
use domain::ledger::to_micros;
use domain::number::DialContext;
use std::collections::HashMap;

/// The rating of one readable CDR, before it is stored.
pub(super) struct Rating {
    pub(super) customer: Option<customers::Model>,
    pub(super) carrier_id: Option<i64>,
    pub(super) tier_id: Option<i64>,
    pub(super) duration_secs: u32,
    pub(super) billed_secs: u32,
    pub(super) prefix: String,
    pub(super) destination: String,
    pub(super) cost: Option<(i64, String)>,
    pub(super) price: Option<(i64, String)>,
    /// The price in the card's currency, when it was converted into the billing currency.
    pub(super) sell: Option<(i64, String)>,
    /// The rate applied (`1 card currency = fx_rate billing currency`), else empty.
    pub(super) fx_rate: String,
    pub(super) reason: Option<String>,
}

/// What a rating converts prices with: the newest exchange rates (`None` before the first
/// fetch), the oldest they may be, and the moment of rating.
pub(super) struct Fx {
    pub(super) rates: Option<FxRates>,
    pub(super) max_age_hours: i64,
    pub(super) now: DateTime<Utc>,
}

impl Fx {
    /// The newest rates of the platform, as of now.
    pub(super) async fn load(services: &Services) -> Result<Fx, sea_orm::DbErr> {
        Ok(Fx {
            rates: crate::fx::latest(&services.db).await?,
            max_age_hours: services.settings.fx.max_age_hours,
            now: Utc::now(),
        })
    }
}

/// Rates `p` against `snapshot` for `customers` of the tenant.
pub(super) fn rate(
    p: &Parsed,
    snapshot: &RouteSnapshot,
    decks: &HashMap<u32, &RateDeck>,
    customers: &[customers::Model],
    dial: &DialContext,
    fx: &Fx,
) -> Rating {
    let customer = p
        .input
        .customer
        .pick(customers.iter(), |c| (c.id, c.company_name.as_str()))
        .cloned();
    let carrier = p
        .input
        .carrier
        .pick(snapshot.carriers.values(), |c| (c.id, c.name.as_str()));
    let tier = p
        .input
        .tier
        .pick(snapshot.tiers.iter(), |t| (t.id, t.name.as_str()));
    let answered = p.answer.is_some() || p.input.sip_code == Some(200);
    let mut cdr = Cdr {
        id: p.input.call_id.clone(),
        start: p.start,
        answer: p.answer,
        end: p.end,
        duration_secs: p.input.duration,
        a_number: p.input.a_number.clone(),
        b_number: p.input.b_number.clone(),
        carrier: CarrierId(0),
        customer: CustomerId(0),
        sip_code: p.input.sip_code.unwrap_or(if answered { 200 } else { 487 }),
    };
    let mut rating = Rating {
        customer: customer.clone(),
        carrier_id: carrier.map(|c| c.id),
        tier_id: tier.map(|t| t.id),
        // Connected seconds count for the quality figures even when the call cannot be rated.
        duration_secs: domain::cdr::CdrRater::duration(&cdr).unwrap_or(0),
        billed_secs: 0,
        prefix: String::new(),
        destination: String::new(),
        cost: None,
        price: None,
        sell: None,
        fx_rate: String::new(),
        reason: None,
    };
    let unrated = |mut r: Rating, why: String| {
        r.reason = Some(why);
        r
    };
    let unknown = |what: &str, v: &IdOrName| {
        if v.text().is_empty() {
            format!("the CDR names no {what}")
        } else {
            format!("no {what} `{}` in this tenant", v.text())
        }
    };
    let Some(customer) = customer else {
        return unrated(rating, unknown("customer", &p.input.customer));
    };
    let Some(carrier) = carrier else {
        return unrated(rating, unknown("carrier", &p.input.carrier));
    };
    let Some(tier) = tier else {
        return unrated(rating, unknown("routing tier", &p.input.tier));
    };
    let Some(buy) = decks.get(&(carrier.id as u32)) else {
        return unrated(
            rating,
            format!("{} has no rate deck in force", carrier.name),
        );
    };
    let Some(sell) = snapshot.sell_for(tier.id, customer.category_id) else {
        return unrated(
            rating,
            format!(
                "no sell card of {} is published for {}",
                tier.name, customer.company_name
            ),
        );
    };
    cdr.carrier = CarrierId(carrier.id as u32);
    cdr.customer = CustomerId(customer.id as u32);
    match rate_with_decks(buy, sell, &cdr, dial, Some(AMOUNT_DECIMALS)) {
        Ok(rated) => {
            rating.duration_secs = rated.duration_secs;
            rating.billed_secs = rated.price.billed_secs;
            rating.prefix = rated.price.row.prefix.to_string();
            rating.destination = rated.price.row.destination.clone();
            let micros = |m: domain::money::Money| {
                to_micros(m.amount)
                    .ok()
                    .map(|v| (v, m.currency.code().to_owned()))
            };
            rating.cost = micros(rated.cost.total);
            rating.price = micros(rated.price.total);
            if rating.price.is_none() {
                return unrated(rating, "the price is too large to charge".to_owned());
            }
            let card = rated.price.total.currency.code();
            if card != customer.billing_currency {
                let converted = match &fx.rates {
                    Some(rates) => rates
                        .convert(
                            rated.price.total.amount,
                            card,
                            &customer.billing_currency,
                            AMOUNT_DECIMALS,
                            fx.now,
                            fx.max_age_hours,
                        )
                        .map_err(|e| e.to_string()),
                    None => Err("no exchange rates are stored yet: set fx.app_id so the FX job fetches them".to_owned()),
                };
                let why = |e: String| {
                    format!(
                        "the {} card is in {card} but {} is billed in {}, and {e}",
                        tier.name, customer.company_name, customer.billing_currency
                    )
                };
                match converted.map(|c| (to_micros(c.amount).ok(), c.rate)) {
                    Ok((Some(micros), rate)) => {
                        rating.sell = rating.price.take();
                        rating.price = Some((micros, customer.billing_currency.clone()));
                        rating.fx_rate = rate.to_string();
                    }
                    Ok((None, _)) => {
                        return unrated(rating, "the price is too large to charge".to_owned());
                    }
                    Err(e) => {
                        rating.price = None;
                        return unrated(rating, why(e));
                    }
                }
            }
            rating
        }
        Err(e) => {
            let why = match e {
                CdrError::InvalidNumber(n) => format!("the called number {n}"),
                CdrError::NoBuyRoute(n) => format!("{}'s deck has no rate for +{n}", carrier.name),
                CdrError::NoSellRate(n) => format!("the {} card has no rate for +{n}", tier.name),
                other => other.to_string(),
            };
            unrated(rating, why)
        }
    }
}
