//! The exchange rates charges are converted with: the newest fetch of the refresh-FX job
//! (`system.refresh_fx_rates`, Open Exchange Rates), as [`domain::fx::FxRates`].

use crate::entities::fx_rates;
use domain::fx::FxRates;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::str::FromStr;

/// The rates of the newest fetch (every quote stored with the newest `as_of`), or `None`
/// before the first fetch. A stored rate that does not read as a decimal is left out (the job
/// never stores one).
///
/// # Errors
/// The database failed.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<FxRates>, sea_orm::DbErr> {
    let Some(newest) = fx_rates::Entity::find()
        .order_by_desc(fx_rates::Column::AsOf)
        .order_by_desc(fx_rates::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows = fx_rates::Entity::find()
        .filter(fx_rates::Column::AsOf.eq(newest.as_of))
        .filter(fx_rates::Column::Base.eq(newest.base.clone()))
        .all(db)
        .await?;
    let mut rates = FxRates::new(&newest.base, newest.as_of);
    for row in rows {
        if let Ok(rate) = Decimal::from_str(&row.rate) {
            rates.insert(&row.quote, rate);
        }
    }
    Ok(Some(rates))
}
