//! Rating one readable CDR against a route snapshot: the carrier's deck for the buy cost, the
//! customer's card of the call's tier for the price, and why a call cannot be rated.

use super::{AMOUNT_DECIMALS, IdOrName, Parsed};
use crate::entities::customers;
use crate::routes::RouteSnapshot;
use domain::cdr::{Cdr, CdrError, CustomerId, rate_with_decks};
use domain::deck::RateDeck;
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
    pub(super) reason: Option<String>,
}

/// Rates `p` against `snapshot` for `customers` of the tenant.
pub(super) fn rate(
    p: &Parsed,
    snapshot: &RouteSnapshot,
    decks: &HashMap<u32, &RateDeck>,
    customers: &[customers::Model],
    dial: &DialContext,
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
    if sell.currency().code() != customer.billing_currency {
        return unrated(
            rating,
            format!(
                "the {} card is in {} but {} is billed in {}: publish a card in {}",
                tier.name,
                sell.currency().code(),
                customer.company_name,
                customer.billing_currency,
                customer.billing_currency
            ),
        );
    }
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
