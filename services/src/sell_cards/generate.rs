//! The `rate_cards.generate_sell_card` job: pricing a card from the decks in force and writing
//! its rows with their changes against the card in force.

use super::*;

/// Rows written per `INSERT`.
const BATCH: usize = 500;

pub(super) async fn fail_card(
    db: &DatabaseConnection,
    id: i64,
    message: &str,
) -> Result<(), sea_orm::DbErr> {
    cards::Entity::update_many()
        .col_expr(cards::Column::Status, "failed".into())
        .col_expr(cards::Column::Message, message.into())
        .filter(cards::Column::Id.eq(id))
        .filter(cards::Column::Status.eq("generating"))
        .exec(db)
        .await
        .map(|_| ())
}

/// The published card of (tenant, tier, category) in force: the latest published.
pub(super) async fn in_force(
    db: &DatabaseConnection,
    card: &cards::Model,
) -> Result<Option<cards::Model>, sea_orm::DbErr> {
    let mut q = in_tenant::<cards::Entity>(card.tenant_id)
        .filter(cards::Column::TierId.eq(card.tier_id))
        .filter(cards::Column::Status.eq("published"));
    q = match card.category_id {
        Some(c) => q.filter(cards::Column::CategoryId.eq(c)),
        None => q.filter(cards::Column::CategoryId.is_null()),
    };
    q.order_by_desc(cards::Column::PublishedAt)
        .order_by_desc(cards::Column::Id)
        .one(db)
        .await
}

/// The `rate_cards.generate_sell_card` job: prices every prefix the tier's carriers have in
/// force at the card's effective date (buy decks in the card's currency; prefixes the tier
/// blocks left out), writes the rows with their change against the card in force, and marks
/// the card `generated` (or `failed`, saying why). A card no longer `generating` is left alone.
pub(crate) async fn generate_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: GenerateSellCardJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(card) = cards::Entity::find_by_id(p.card_id).one(db).await? else {
        return Ok(format!("sell card {} no longer exists", p.card_id));
    };
    if card.status != "generating" {
        return Ok(format!(
            "sell card {} is {}: nothing to do",
            card.id, card.status
        ));
    }
    match generate(ctx, &card).await {
        Ok(summary) => Ok(summary),
        Err(failure) => {
            let message = match failure {
                JobFailure::Permanent(m) | JobFailure::Transient(m) => m,
            };
            // Rows of a half-written attempt go with the failure.
            rows::Entity::delete_many()
                .filter(rows::Column::CardId.eq(card.id))
                .exec(db)
                .await?;
            fail_card(db, card.id, &message).await?;
            Err(JobFailure::Permanent(message))
        }
    }
}

async fn generate(ctx: &JobContext, card: &cards::Model) -> Result<String, JobFailure> {
    let db = &ctx.services.db;
    let permanent = |m: String| JobFailure::Permanent(m);
    ctx.progress(0, 100, "reading the decks in force").await?;
    let snapshot = crate::routes::build(db, card.tenant_id, card.effective_from)
        .await
        .map_err(|e| JobFailure::Transient(e.to_string()))?;
    let tier = snapshot
        .tier_by_id(card.tier_id)
        .ok_or_else(|| permanent("its tier no longer exists".to_owned()))?;
    let currency = parse_currency(&card.currency).map_err(|e| permanent(e.to_string()))?;
    let mut other_currency = Vec::new();
    let buy: Vec<&domain::deck::RateDeck> = snapshot
        .index
        .carriers()
        .iter()
        .filter(|c| c.enabled && tier.plan.carriers.contains(&c.id))
        .filter(|c| {
            let same = c.deck.currency() == currency;
            if !same {
                other_currency.push(format!("{} ({})", c.name, c.deck.currency().code()));
            }
            same
        })
        .map(|c| &c.deck)
        .collect();
    if buy.is_empty() {
        return Err(permanent(format!(
            "no active carrier of tier {} has a deck in force in {} at {}: activate a deck, or choose the currency of the carriers' decks",
            tier.name,
            card.currency,
            card.effective_from.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let rule: SellRule =
        serde_json::from_str(&card.rule).map_err(|e| permanent(format!("bad rule: {e}")))?;
    ctx.progress(20, 100, "pricing").await?;
    let at = card.effective_from;
    let sell =
        generate_sell_card(&buy, &rule, currency, at).map_err(|e| permanent(e.to_string()))?;
    let previous = in_force(db, card).await?;
    let mut old: HashMap<String, String> = HashMap::new();
    if let Some(prev) = &previous {
        for r in rows::Entity::find()
            .filter(rows::Column::CardId.eq(prev.id))
            .all(db)
            .await?
        {
            old.insert(r.prefix, r.rate);
        }
    }
    let mut report = CardReport {
        previous_card_id: previous.as_ref().map(|p| p.id),
        ..Default::default()
    };
    let mut models = Vec::with_capacity(sell.len());
    for row in sell.rows() {
        // Never sell what the tier never routes.
        if tier.plan.blocked.iter().any(|b| b.is_prefix_of(row.prefix)) {
            continue;
        }
        let number = row.prefix.as_number();
        let offers: Vec<Decimal> = buy
            .iter()
            .filter_map(|d| d.lookup(number, at))
            .map(|r| r.rate.per_minute())
            .collect();
        let base = offers.iter().copied().min().unwrap_or_default();
        let prefix = row.prefix.to_string();
        let rate = row.rate.to_string();
        let (change, old_rate) = match old.remove(&prefix) {
            None => {
                report.new += 1;
                ("new", None)
            }
            Some(before) => {
                let b = Decimal::from_str(&before).unwrap_or_default();
                let change = match row.rate.per_minute().cmp(&b) {
                    std::cmp::Ordering::Greater => {
                        report.increased += 1;
                        "increased"
                    }
                    std::cmp::Ordering::Less => {
                        report.decreased += 1;
                        "decreased"
                    }
                    std::cmp::Ordering::Equal => {
                        report.unchanged += 1;
                        "unchanged"
                    }
                };
                (change, Some(before))
            }
        };
        models.push(rows::ActiveModel {
            card_id: Set(card.id),
            prefix: Set(prefix),
            destination: Set(row.destination.clone()),
            rate: Set(rate),
            base_rate: Set(base.to_string()),
            connection_fee: Set(row.connection_fee.to_string()),
            initial_increment: Set(i32::try_from(row.increment.initial).unwrap_or(60)),
            next_increment: Set(i32::try_from(row.increment.next).unwrap_or(60)),
            carriers: Set(i32::try_from(offers.len()).unwrap_or(0)),
            change: Set(change.to_owned()),
            old_rate: Set(old_rate),
            ..Default::default()
        });
    }
    report.removed = old.len();
    let total = models.len();
    // Progress goes to the database through another connection: report before the write
    // transaction, which on SQLite holds the only write lock until it commits.
    ctx.progress(60, 100, &format!("writing {total} rates"))
        .await?;
    let txn = db.begin().await?;
    rows::Entity::delete_many()
        .filter(rows::Column::CardId.eq(card.id))
        .exec(&txn)
        .await?;
    let mut batch = Vec::with_capacity(BATCH);
    for model in models {
        batch.push(model);
        if batch.len() == BATCH {
            rows::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        rows::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    let message = if other_currency.is_empty() {
        String::new()
    } else {
        format!(
            "left out (decks in another currency): {}",
            other_currency.join(", ")
        )
    };
    cards::Entity::update_many()
        .col_expr(cards::Column::Status, "generated".into())
        .col_expr(cards::Column::RowCount, (total as i64).into())
        .col_expr(
            cards::Column::Report,
            serde_json::to_string(&report).unwrap_or_default().into(),
        )
        .col_expr(cards::Column::Message, message.into())
        .filter(cards::Column::Id.eq(card.id))
        .filter(cards::Column::Status.eq("generating"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    ctx.progress(100, 100, "generated").await?;
    Ok(format!(
        "generated {total} sell rates from {} decks for card {}",
        buy.len(),
        card.id
    ))
}
