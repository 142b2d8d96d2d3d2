//! Reading stored decks: back into a domain [`RateDeck`] for routing and comparisons, and the
//! pages of a deck's refused rows, rate changes and rates.

use super::get_deck;
use crate::audit::Actor;
use crate::entities::{
    rate_deck_changes as changes, rate_deck_errors as errors, rate_deck_rows as rows,
    rate_decks as decks,
};
use crate::error::ServiceError;
use crate::jobs::JobFailure;
use domain::deck::{RateDeck, RateRow, RateStatus};
use domain::increment::Increment;
use domain::money::Rate;
use domain::number::Prefix;
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::str::FromStr;

fn stored_row(m: &rows::Model) -> Result<RateRow, String> {
    let bad = |what: &str| {
        format!(
            "deck {} line {}: stored {what} is invalid",
            m.deck_id, m.line
        )
    };
    let rate = |t: &str| Rate::parse(t).map_err(|_| bad("rate"));
    let mut row = RateRow::new(
        Prefix::parse(&m.prefix).map_err(|_| bad("prefix"))?,
        m.destination.clone(),
        rate(&m.rate)?,
        m.effective_from,
    );
    row.off_peak = m.off_peak.as_deref().map(rate).transpose()?;
    row.weekend = m.weekend.as_deref().map(rate).transpose()?;
    row.connection_fee = Decimal::from_str(&m.connection_fee).map_err(|_| bad("fee"))?;
    row.increment = Increment::with_minimum(
        m.initial_increment as u32,
        m.next_increment as u32,
        m.minimum_seconds as u32,
    )
    .map_err(|_| bad("increment"))?;
    row.grace_seconds = m.grace_seconds as u32;
    row.effective_to = m.effective_to;
    row.status = m.status.as_deref().and_then(RateStatus::from_word);
    row.line = m.line as u64;
    Ok(row)
}

/// The rates of stored deck `deck` as a [`RateDeck`] (for rating, routing and comparisons).
///
/// # Errors
/// A transient failure on database errors; a permanent one when a stored row is invalid.
pub async fn load_deck(
    db: &impl ConnectionTrait,
    deck: &decks::Model,
) -> Result<RateDeck, JobFailure> {
    let currency = domain::money::parse_currency(&deck.currency)
        .map_err(|e| JobFailure::Permanent(e.to_string()))?;
    let models = rows::Entity::find()
        .filter(rows::Column::DeckId.eq(deck.id))
        .all(db)
        .await?;
    let rows = models
        .iter()
        .map(stored_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(JobFailure::Permanent)?;
    RateDeck::new(currency, rows).map_err(|e| JobFailure::Permanent(e.to_string()))
}

/// Up to `limit` refused rows of deck `deck_id`, in file order, and how many there are in all.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn deck_errors(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    limit: u64,
) -> Result<(Vec<errors::Model>, u64), ServiceError> {
    get_deck(db, actor, carrier_id, deck_id).await?;
    let select = errors::Entity::find().filter(errors::Column::DeckId.eq(deck_id));
    let total = select.clone().count(db).await?;
    let items = select
        .order_by_asc(errors::Column::Line)
        .order_by_asc(errors::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// Up to `limit` rate changes of deck `deck_id` (`change` one of new, removed, increased,
/// decreased, or all), short-notice increases first, then by prefix.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn deck_changes(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    change: Option<&str>,
    limit: u64,
) -> Result<Vec<changes::Model>, ServiceError> {
    get_deck(db, actor, carrier_id, deck_id).await?;
    let mut select = changes::Entity::find().filter(changes::Column::DeckId.eq(deck_id));
    if let Some(change) = change.filter(|c| !c.is_empty()) {
        select = select.filter(changes::Column::Change.eq(change));
    }
    Ok(select
        .order_by_desc(changes::Column::ShortNotice)
        .order_by_asc(changes::Column::Prefix)
        .limit(limit)
        .all(db)
        .await?)
}

/// A page of deck `deck_id`'s rates whose prefix starts with `prefix` (all when empty), by
/// prefix.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn deck_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    prefix: &str,
    page: u64,
    per_page: u64,
) -> Result<crate::users::Page<rows::Model>, ServiceError> {
    get_deck(db, actor, carrier_id, deck_id).await?;
    let digits: String = prefix.chars().filter(char::is_ascii_digit).collect();
    let mut select = rows::Entity::find().filter(rows::Column::DeckId.eq(deck_id));
    if !digits.is_empty() {
        select = select.filter(rows::Column::Prefix.starts_with(&digits));
    }
    let per_page = per_page.clamp(1, 500);
    let page = page.clamp(1, 1_000_000);
    let paginator = select
        .order_by_asc(rows::Column::Prefix)
        .order_by_asc(rows::Column::EffectiveFrom)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(crate::users::Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The progress of import job `job_id`: (done, total, message), once it has started.
///
/// # Errors
/// Database errors.
pub async fn import_progress(
    db: &DatabaseConnection,
    job_id: &str,
) -> Result<Option<(i64, i64, String)>, ServiceError> {
    Ok(
        crate::entities::job_progress::Entity::find_by_id(job_id.to_owned())
            .one(db)
            .await?
            .map(|p| (p.done, p.total, p.message)),
    )
}
