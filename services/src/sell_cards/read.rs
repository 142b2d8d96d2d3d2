//! Reading sell cards: the operator's list and form choices, what a customer may see, a card's
//! rates (page, all, as a deck for routing) and the cards in force.

use super::*;

/// The tenant's cards, newest first.
///
/// # Errors
/// `Forbidden`.
pub async fn list_cards(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<cards::Model>, ServiceError> {
    operator(actor)?;
    Ok(scoped::<cards::Entity>(actor)
        .order_by_desc(cards::Column::Id)
        .all(db)
        .await?)
}

/// Card `card_id` for the operator, or for a customer when it is published for the customer's
/// category (or all).
///
/// # Errors
/// `NotFound` (another tenant's, or not visible to the customer).
pub async fn get_card(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<cards::Model, ServiceError> {
    let card = find_scoped::<cards::Entity>(db, actor, card_id).await?;
    if crate::carriers::manages_carriers(actor.role) {
        return Ok(card);
    }
    let visible = customer_cards(db, actor).await?;
    if visible.iter().any(|(c, _)| c.id == card.id) {
        Ok(card)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The voice feature a tier's cards need: Premium, Standard and Economy their own; any other
/// tier any of the three.
fn tier_allowed(tier: &str, features: &[Feature]) -> bool {
    let voice = [
        ("premium", Feature::VoicePremium),
        ("standard", Feature::VoiceStandard),
        ("economy", Feature::VoiceEconomy),
    ];
    match voice
        .iter()
        .find(|(name, _)| tier.eq_ignore_ascii_case(name))
    {
        Some((_, feature)) => features.contains(feature),
        None => voice.iter().any(|(_, f)| features.contains(f)),
    }
}

/// The published cards a customer user sees, with their tier names: those of its category
/// and those for all, of the tiers its voice features allow (Standard needs voice Standard...).
///
/// # Errors
/// `Forbidden` for a user without a customer.
pub async fn customer_cards(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(cards::Model, String)>, ServiceError> {
    let customer_id = actor.customer_id.ok_or(ServiceError::Forbidden)?;
    let customer = find_scoped::<customers::Entity>(db, actor, customer_id).await?;
    let features = crate::features::features_of_actor(db, actor).await?;
    let tier_names: HashMap<i64, String> = scoped::<tiers::Entity>(actor)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let all = scoped::<cards::Entity>(actor)
        .filter(cards::Column::Status.eq("published"))
        .order_by_asc(cards::Column::TierId)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|c| c.category_id.is_none() || c.category_id == customer.category_id)
        .filter_map(|c| {
            let tier = tier_names.get(&c.tier_id)?.clone();
            tier_allowed(&tier, &features).then_some((c, tier))
        })
        .collect())
}

/// A page of a card's rates whose prefix starts with `prefix` (all when empty), by prefix;
/// with the number of matching rates.
///
/// # Errors
/// As [`get_card`].
pub async fn card_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
    prefix: &str,
    page: u64,
    per_page: u64,
) -> Result<(Vec<rows::Model>, u64), ServiceError> {
    let card = get_card(db, actor, card_id).await?;
    let digits: String = prefix.chars().filter(char::is_ascii_digit).collect();
    let q = rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .filter(rows::Column::Prefix.starts_with(&digits))
        .order_by_asc(rows::Column::Prefix);
    let pages = q.paginate(db, per_page.max(1));
    let total = pages.num_items().await?;
    let items = pages.fetch_page(page.saturating_sub(1)).await?;
    Ok((items, total))
}

/// A customer's queued and sent rate notices, newest first.
///
/// # Errors
/// `Forbidden` for a user without a customer.
pub async fn customer_notices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<notices::Model>, ServiceError> {
    let customer_id = actor.customer_id.ok_or(ServiceError::Forbidden)?;
    Ok(scoped::<notices::Entity>(actor)
        .filter(notices::Column::CustomerId.eq(customer_id))
        .order_by_desc(notices::Column::Id)
        .all(db)
        .await?)
}

/// What the card form offers: the tenant's tiers and customer categories, (id, name) by name
/// (creating the default tiers the first time).
///
/// # Errors
/// `Forbidden`.
pub async fn form_choices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), ServiceError> {
    operator(actor)?;
    let tiers = crate::tiers::list_tiers(db, actor)
        .await?
        .into_iter()
        .map(|t| (t.row.id, t.row.name))
        .collect();
    let categories = scoped::<categories::Entity>(actor)
        .order_by_asc(categories::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok((tiers, categories))
}

/// Every rate of card `card_id`, by prefix (for the CSV download).
///
/// # Errors
/// As [`get_card`].
pub async fn all_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<(cards::Model, Vec<rows::Model>), ServiceError> {
    let card = get_card(db, actor, card_id).await?;
    let rows = rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .order_by_asc(rows::Column::Prefix)
        .all(db)
        .await?;
    Ok((card, rows))
}

/// A rule in words, e.g. `lowest buy rate + 20 %, floor 0.01, 4 decimals up, 60/60`.
pub fn describe_rule(card: &cards::Model) -> String {
    let Ok(rule) = serde_json::from_str::<SellRule>(&card.rule) else {
        return String::new();
    };
    let base = match rule.base {
        BaseRate::Lowest => "lowest buy rate".to_owned(),
        BaseRate::NthLowest(n) => format!("buy rate no. {n} from the cheapest"),
        BaseRate::AverageOfLowest(n) => format!("average of the {n} lowest buy rates"),
    };
    let markup = match rule.markup {
        Markup::Percent(p) => format!("+ {p} %"),
        Markup::FixedPerMinute(a) => format!("+ {a} per minute"),
        Markup::TargetMargin(m) => format!("at a {m} % margin"),
    };
    let mut words = format!("{base} {markup}");
    if let Some(floor) = rule.floor {
        words.push_str(&format!(", at least {floor}"));
    }
    words.push_str(&format!(", {} decimals rounded up", rule.decimals));
    words.push_str(&match rule.increment {
        Some(i) => format!(", {i}"),
        None => ", the base carrier's increments".to_owned(),
    });
    words
}

/// The rates of card `card` as a [`domain::deck::RateDeck`] effective from the card's date (for
/// routing: rates above the customer's sell rate are excluded).
///
/// # Errors
/// Database errors; `Unexpected` when a stored row is invalid.
pub async fn load_card(
    db: &impl sea_orm::ConnectionTrait,
    card: &cards::Model,
) -> Result<domain::deck::RateDeck, ServiceError> {
    use domain::deck::{RateDeck, RateRow};
    use domain::money::Rate;
    use domain::number::Prefix;
    let bad = |what: &str, line: &str| {
        ServiceError::Unexpected(anyhow::anyhow!(
            "sell card {} prefix {line}: stored {what} is invalid",
            card.id
        ))
    };
    let currency =
        parse_currency(&card.currency).map_err(|e| ServiceError::Unexpected(e.into()))?;
    let mut out = Vec::new();
    for r in rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .all(db)
        .await?
    {
        let mut row = RateRow::new(
            Prefix::parse(&r.prefix).map_err(|_| bad("prefix", &r.prefix))?,
            r.destination.clone(),
            Rate::parse(&r.rate).map_err(|_| bad("rate", &r.prefix))?,
            card.effective_from,
        );
        row.connection_fee =
            Decimal::from_str(&r.connection_fee).map_err(|_| bad("fee", &r.prefix))?;
        row.increment = Increment::with_minimum(
            u32::try_from(r.initial_increment).unwrap_or(60),
            u32::try_from(r.next_increment).unwrap_or(60),
            0,
        )
        .map_err(|_| bad("increment", &r.prefix))?;
        out.push(row);
    }
    RateDeck::new(currency, out).map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("{e}")))
}

/// The cards in force at `at` for each (tier, category): among published and superseded
/// cards, the one with the latest effective date not after `at` (ties: the later
/// publication); and the next date a published card takes effect, if any.
///
/// # Errors
/// Database errors.
pub async fn cards_in_force(
    db: &impl sea_orm::ConnectionTrait,
    tenant_id: i64,
    at: DateTime<Utc>,
) -> Result<(Vec<cards::Model>, Option<DateTime<Utc>>), ServiceError> {
    let all = in_tenant::<cards::Entity>(tenant_id)
        .filter(cards::Column::Status.is_in(["published", "superseded"]))
        .order_by_asc(cards::Column::EffectiveFrom)
        .order_by_asc(cards::Column::PublishedAt)
        .order_by_asc(cards::Column::Id)
        .all(db)
        .await?;
    let next = all
        .iter()
        .filter(|c| c.status == "published" && c.effective_from > at)
        .map(|c| c.effective_from)
        .min();
    let mut chosen: HashMap<(i64, Option<i64>), cards::Model> = HashMap::new();
    for c in all.into_iter().filter(|c| c.effective_from <= at) {
        // Ascending order: a later card replaces an earlier one of the same key.
        chosen.insert((c.tier_id, c.category_id), c);
    }
    Ok((chosen.into_values().collect(), next))
}

/// The tenant's customers that are not closed, (id, company name) by name, for choosing whose
/// sell rates the LCR tester compares with.
///
/// # Errors
/// `Forbidden`.
pub async fn customer_choices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, ServiceError> {
    operator(actor)?;
    Ok(scoped::<customers::Entity>(actor)
        .filter(customers::Column::Status.ne("closed"))
        .order_by_asc(customers::Column::CompanyName)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect())
}
