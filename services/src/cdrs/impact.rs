//! The impact of a pending carrier deck or sell card before it goes live: the last
//! [`IMPACT_DAYS`] days of rated calls priced again with its rates (as of the date it takes
//! effect, in each call's own time band), and what changes in cost (a deck) or revenue (a card),
//! and so in margin, per destination and per customer. Nothing is stored.

use super::AMOUNT_DECIMALS;
use crate::audit::Actor;
use crate::entities::{cdrs, customers, sell_cards as cards};
use crate::error::ServiceError;
use crate::tenancy::in_tenant;
use chrono::{DateTime, Duration, Utc};
use domain::deck::RateDeck;
use domain::ledger::to_micros;
use domain::number::E164;
use domain::rating::{Call, RatingOptions, rate_as_of};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How many days of calls are priced again.
pub const IMPACT_DAYS: i64 = 30;

/// Which side of the calls a pending deck or card prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A carrier deck: the buy cost.
    Cost,
    /// A sell card: the price customers pay.
    Revenue,
}

/// Totals of some calls before and after, micro-units of the impact's currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpactLine {
    /// A destination or a customer.
    pub label: String,
    /// Calls priced again.
    pub calls: i64,
    /// Their cost (or revenue) as charged.
    pub before: i64,
    /// With the pending rates.
    pub after: i64,
    /// Their margin as charged (revenue less cost), when both are in one currency.
    pub margin_before: Option<i64>,
    /// Their margin with the pending rates.
    pub margin_after: Option<i64>,
}

impl ImpactLine {
    fn add(&mut self, before: i64, after: i64, other_side: Option<i64>, side: Side) {
        self.calls += 1;
        self.before += before;
        self.after += after;
        let margin = |own: i64| {
            other_side.map(|o| match side {
                Side::Cost => o - own,
                Side::Revenue => own - o,
            })
        };
        let sum = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        let first = self.calls == 1;
        self.margin_before = if first {
            margin(before)
        } else {
            sum(self.margin_before, margin(before))
        };
        self.margin_after = if first {
            margin(after)
        } else {
            sum(self.margin_after, margin(after))
        };
    }
}

/// The impact of a pending deck or card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    /// Cost (a deck) or revenue (a card).
    pub side: Side,
    /// The deck's or card's currency: only calls charged in it are compared.
    pub currency: String,
    /// Calls since this instant were priced again.
    pub since: DateTime<Utc>,
    /// All of them.
    pub total: ImpactLine,
    /// Calls its rates do not price (no rate for their number): left out of the totals.
    pub unpriced: i64,
    /// Calls charged in another currency: left out.
    pub other_currency: i64,
    /// Per destination, largest change first.
    pub by_destination: Vec<ImpactLine>,
    /// Per customer, largest change first.
    pub by_customer: Vec<ImpactLine>,
}

/// The impact of deck `deck_id` of carrier `carrier_id` (imported and not yet in force, or
/// scheduled) on that carrier's calls.
///
/// # Errors
/// `NotFound` / `Forbidden` as `crate::decks::get_deck`; `Validation{deck}` when the deck is
/// not pending (not imported yet, or already in force).
pub async fn deck_impact(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
) -> Result<Impact, ServiceError> {
    use crate::decks::DeckState;
    let info = crate::decks::get_deck(db, actor, carrier_id, deck_id).await?;
    if !matches!(info.state, DeckState::Imported | DeckState::Scheduled) {
        return Err(ServiceError::field(
            "deck",
            "only a deck imported and not yet in force has an impact to preview",
        ));
    }
    let deck = crate::decks::load_deck(db, &info.deck)
        .await
        .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("{e}")))?;
    let since = Utc::now() - Duration::days(IMPACT_DAYS);
    let calls = base(actor, since).filter(cdrs::Column::CarrierId.eq(carrier_id));
    reprice(
        db,
        actor,
        calls,
        &deck,
        info.deck.effective_from,
        Side::Cost,
        since,
    )
    .await
}

/// The impact of sell card `card_id` (generated and not yet published, or published to take
/// effect later) on the calls of its tier by the customers it is for.
///
/// # Errors
/// `NotFound` / `Forbidden` as `crate::sell_cards::get_card` (operators only);
/// `Validation{card}` when the card is not pending.
pub async fn card_impact(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<Impact, ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    let card = crate::sell_cards::get_card(db, actor, card_id).await?;
    let now = Utc::now();
    if !card_pending(&card, now) {
        return Err(ServiceError::field(
            "card",
            "only a card to review, or one published to take effect later, has an impact to preview",
        ));
    }
    let deck = crate::sell_cards::load_card(db, &card).await?;
    // The customers it prices: those of its category; for a card of all customers, those whose
    // category has no card of its own in the tier.
    let (in_force, _) = crate::sell_cards::cards_in_force(db, actor.tenant_id, now).await?;
    let own: HashSet<i64> = in_force
        .iter()
        .filter(|c| c.tier_id == card.tier_id)
        .filter_map(|c| c.category_id)
        .collect();
    let customer_ids: Vec<i64> = in_tenant::<customers::Entity>(actor.tenant_id)
        .all(db)
        .await?
        .into_iter()
        .filter(|c| match card.category_id {
            Some(category) => c.category_id == Some(category),
            None => c.category_id.is_none_or(|k| !own.contains(&k)),
        })
        .map(|c| c.id)
        .collect();
    let since = now - Duration::days(IMPACT_DAYS);
    let calls = base(actor, since)
        .filter(cdrs::Column::TierId.eq(card.tier_id))
        .filter(cdrs::Column::CustomerId.is_in(customer_ids));
    reprice(
        db,
        actor,
        calls,
        &deck,
        card.effective_from,
        Side::Revenue,
        since,
    )
    .await
}

fn base(actor: &Actor, since: DateTime<Utc>) -> Select<cdrs::Entity> {
    cdrs::Entity::find()
        .filter(cdrs::Column::TenantId.eq(actor.tenant_id))
        .filter(cdrs::Column::StartAt.gte(since))
        .filter(cdrs::Column::Status.is_in(["rated", "unpaid"]))
}

fn sorted(lines: BTreeMap<String, ImpactLine>) -> Vec<ImpactLine> {
    let mut out: Vec<ImpactLine> = lines.into_values().collect();
    out.sort_by(|a, b| {
        (b.after - b.before)
            .abs()
            .cmp(&(a.after - a.before).abs())
            .then_with(|| a.label.cmp(&b.label))
    });
    out
}

async fn reprice(
    db: &DatabaseConnection,
    actor: &Actor,
    calls: Select<cdrs::Entity>,
    deck: &RateDeck,
    as_of: DateTime<Utc>,
    side: Side,
    since: DateTime<Utc>,
) -> Result<Impact, ServiceError> {
    let currency = deck.currency().code().to_owned();
    let options = match side {
        Side::Cost => RatingOptions {
            decimals: Some(AMOUNT_DECIMALS),
            ..RatingOptions::default()
        },
        Side::Revenue => RatingOptions::sell(Some(AMOUNT_DECIMALS)),
    };
    let names: HashMap<i64, String> = in_tenant::<customers::Entity>(actor.tenant_id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect();
    let mut total = ImpactLine {
        label: "All calls".to_owned(),
        ..Default::default()
    };
    let (mut unpriced, mut other_currency) = (0i64, 0i64);
    let mut by_destination: BTreeMap<String, ImpactLine> = BTreeMap::new();
    let mut by_customer: BTreeMap<String, ImpactLine> = BTreeMap::new();
    let mut after_id = 0i64;
    loop {
        let page = super::list::next_page(db, &calls, &mut after_id, 5000).await?;
        if page.is_empty() {
            break;
        }
        for cdr in page {
            let (own, own_currency, other, other_currency_code) = match side {
                Side::Cost => (
                    cdr.cost_micros,
                    &cdr.cost_currency,
                    cdr.price_micros,
                    &cdr.price_currency,
                ),
                Side::Revenue => (
                    cdr.price_micros,
                    &cdr.price_currency,
                    cdr.cost_micros,
                    &cdr.cost_currency,
                ),
            };
            let Some(before) = own.filter(|_| *own_currency == currency) else {
                other_currency += 1;
                continue;
            };
            let Ok(number) = E164::parse(&cdr.b_number) else {
                unpriced += 1;
                continue;
            };
            let call = Call {
                number,
                start: cdr.start_at,
                duration_secs: u32::try_from(cdr.duration_secs).unwrap_or(0),
                answered: cdr.answer_at.is_some() || cdr.sip_code == 200,
            };
            let Ok(priced) = rate_as_of(deck, &call, as_of, &options) else {
                unpriced += 1;
                continue;
            };
            let Ok(after) = to_micros(priced.total.amount) else {
                unpriced += 1;
                continue;
            };
            let other = other.filter(|_| *other_currency_code == currency);
            total.add(before, after, other, side);
            let destination = if priced.row.destination.is_empty() {
                cdr.destination.clone()
            } else {
                priced.row.destination.clone()
            };
            by_destination
                .entry(destination.clone())
                .or_insert_with(|| ImpactLine {
                    label: destination,
                    ..Default::default()
                })
                .add(before, after, other, side);
            let customer = cdr
                .customer_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "(unknown)".to_owned());
            by_customer
                .entry(customer.clone())
                .or_insert_with(|| ImpactLine {
                    label: customer,
                    ..Default::default()
                })
                .add(before, after, other, side);
        }
    }
    Ok(Impact {
        side,
        currency,
        since,
        total,
        unpriced,
        other_currency,
        by_destination: sorted(by_destination),
        by_customer: sorted(by_customer),
    })
}

/// Whether `card` can have an impact preview now (for pages deciding to offer it).
pub fn card_pending(card: &cards::Model, now: DateTime<Utc>) -> bool {
    card.status == "generated" || (card.status == "published" && card.effective_from > now)
}
