//! CDR rating: cost from the carrier's deck, price from the customer's card, and the margin.
//!
//! A CDR (call detail record) gives start, answer, end or duration, A and B numbers, carrier,
//! customer and SIP result code (design/domain.md "CDR"). Duration is the given one, else end minus
//! answer; unanswered calls are 0 s. Cost rounds half-up, price rounds up (issue 4 §4).

use crate::deck::RateDeck;
use crate::lcr::CarrierId;
use crate::money::{Money, MoneyError};
use crate::number::{DialContext, E164, NumberError};
use crate::rating::{Breakdown, Call, RatingOptions, rate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A customer's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub u32);

/// A call detail record as the switch reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cdr {
    /// The switch's call id.
    pub id: String,
    /// When the call was set up.
    pub start: DateTime<Utc>,
    /// When it was answered, if it was.
    pub answer: Option<DateTime<Utc>>,
    /// When it ended.
    pub end: Option<DateTime<Utc>>,
    /// Connected seconds, when the switch gives them (preferred over end - answer).
    pub duration_secs: Option<u32>,
    /// Calling number, as received.
    pub a_number: String,
    /// Called number, as received.
    pub b_number: String,
    /// The carrier that carried it.
    pub carrier: CarrierId,
    /// The customer that sent it.
    pub customer: CustomerId,
    /// Final SIP response code (200 answered).
    pub sip_code: u16,
}

/// Why a CDR could not be rated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CdrError {
    /// The B number does not parse.
    #[error("invalid number: {0}")]
    InvalidNumber(#[from] NumberError),
    /// No deck for the carrier.
    #[error("unknown carrier {0:?}")]
    UnknownCarrier(CarrierId),
    /// No card for the customer.
    #[error("unknown customer {0:?}")]
    UnknownCustomer(CustomerId),
    /// The carrier's deck has no rate for the number at the start.
    #[error("no buy rate for {0}")]
    NoBuyRoute(E164),
    /// The customer's card has no rate for the number at the start.
    #[error("no sell rate for {0}")]
    NoSellRate(E164),
    /// End before answer, or answer before start.
    #[error("times out of order")]
    TimesOutOfOrder,
    /// Cost and price are in different currencies (convert first).
    #[error(transparent)]
    Currency(#[from] MoneyError),
}

/// A rated CDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatedCdr<'a> {
    /// Parsed B number.
    pub number: E164,
    /// Billable seconds used.
    pub duration_secs: u32,
    /// What the carrier charges (buy side).
    pub cost: Breakdown<'a>,
    /// What the customer pays (sell side).
    pub price: Breakdown<'a>,
    /// price - cost (negative when the call lost money); `None` when the carrier's deck and the
    /// customer's card are in different currencies (comparing them needs an exchange rate).
    pub margin: Option<Money>,
}

/// The decks rating needs, and how numbers and amounts are read.
#[derive(Debug, Clone, Copy)]
pub struct CdrRater<'a> {
    /// Buy decks by carrier.
    pub carriers: &'a HashMap<CarrierId, RateDeck>,
    /// Sell cards by customer.
    pub customers: &'a HashMap<CustomerId, RateDeck>,
    /// How B numbers are read.
    pub dial: &'a DialContext,
    /// Decimals of cost and price; `None` for the currency's minor unit.
    pub decimals: Option<u32>,
}

impl<'a> CdrRater<'a> {
    /// Connected seconds of `cdr`.
    ///
    /// Errors: [`CdrError::TimesOutOfOrder`].
    pub fn duration(cdr: &Cdr) -> Result<u32, CdrError> {
        if let Some(secs) = cdr.duration_secs {
            return Ok(if cdr.sip_code == 200 || cdr.answer.is_some() {
                secs
            } else {
                0
            });
        }
        match (cdr.answer, cdr.end) {
            (Some(answer), Some(end)) => {
                if answer < cdr.start || end < answer {
                    return Err(CdrError::TimesOutOfOrder);
                }
                Ok(u32::try_from((end - answer).num_seconds()).unwrap_or(u32::MAX))
            }
            _ => Ok(0),
        }
    }

    /// Rates `cdr` into cost, price and margin.
    ///
    /// Errors: [`CdrError`] naming why it cannot be rated.
    pub fn rate(&self, cdr: &Cdr) -> Result<RatedCdr<'a>, CdrError> {
        let buy = self
            .carriers
            .get(&cdr.carrier)
            .ok_or(CdrError::UnknownCarrier(cdr.carrier))?;
        let sell = self
            .customers
            .get(&cdr.customer)
            .ok_or(CdrError::UnknownCustomer(cdr.customer))?;
        rate_with_decks(buy, sell, cdr, self.dial, self.decimals)
    }
}

/// Rates `cdr` against the carrier's deck `buy` (cost, rounded half-up) and the customer's card
/// `sell` (price, rounded up), both to `decimals` (`None`: the currency's minor unit), reading
/// the B number with `dial`. For callers that hold the decks already, e.g. a route snapshot.
///
/// Errors: [`CdrError::InvalidNumber`], [`CdrError::TimesOutOfOrder`],
/// [`CdrError::NoBuyRoute`], [`CdrError::NoSellRate`]. A cost and a price in two currencies
/// rate fine, without a margin.
pub fn rate_with_decks<'a>(
    buy: &'a RateDeck,
    sell: &'a RateDeck,
    cdr: &Cdr,
    dial: &DialContext,
    decimals: Option<u32>,
) -> Result<RatedCdr<'a>, CdrError> {
    let number = E164::parse_with(&cdr.b_number, dial)?;
    let duration_secs = CdrRater::duration(cdr)?;
    let call = Call {
        number,
        start: cdr.start,
        duration_secs,
        answered: cdr.answer.is_some() || cdr.sip_code == 200,
    };
    let cost_options = RatingOptions {
        decimals,
        ..RatingOptions::default()
    };
    let cost = rate(buy, &call, &cost_options).map_err(|_| CdrError::NoBuyRoute(number))?;
    let price = rate(sell, &call, &RatingOptions::sell(decimals))
        .map_err(|_| CdrError::NoSellRate(number))?;
    let margin = price.total.checked_sub(cost.total).ok();
    Ok(RatedCdr {
        number,
        duration_secs,
        cost,
        price,
        margin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::RateRow;
    use crate::money::{Currency, Rate};
    use crate::number::Prefix;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap()
    }

    fn deck(rate: &str, currency: Currency) -> RateDeck {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let row = RateRow::new(
            Prefix::parse("44").unwrap(),
            "UK",
            Rate::parse(rate).unwrap(),
            start,
        );
        RateDeck::new(currency, vec![row]).unwrap()
    }

    fn cdr(b: &str, secs: Option<u32>) -> Cdr {
        Cdr {
            id: "c1".into(),
            start: t0(),
            answer: Some(t0() + Duration::seconds(3)),
            end: Some(t0() + Duration::seconds(94)),
            duration_secs: secs,
            a_number: "12025550123".into(),
            b_number: b.into(),
            carrier: CarrierId(1),
            customer: CustomerId(7),
            sip_code: 200,
        }
    }

    #[test]
    fn cost_price_and_margin() {
        let carriers = HashMap::from([(CarrierId(1), deck("0.0100", Currency::USD))]);
        let customers = HashMap::from([(CustomerId(7), deck("0.0150", Currency::USD))]);
        let dial = DialContext::national("44");
        let rater = CdrRater {
            carriers: &carriers,
            customers: &customers,
            dial: &dial,
            decimals: Some(4),
        };
        // 91 s from answer to end, 60/60 -> 120 s: cost 0.0200, price 0.0300.
        let rated = rater.rate(&cdr("01632 960000", None)).unwrap();
        assert_eq!(rated.duration_secs, 91);
        assert_eq!(rated.cost.total.amount.to_string(), "0.0200");
        assert_eq!(rated.price.total.amount.to_string(), "0.0300");
        assert_eq!(rated.margin.unwrap().amount.to_string(), "0.0100");
        let mut failed = cdr("441632960000", Some(30));
        failed.answer = None;
        failed.sip_code = 486;
        assert_eq!(
            rater.rate(&failed).unwrap().cost.total.amount.to_string(),
            "0.0000"
        );
    }

    #[test]
    fn reasons_when_it_cannot_be_rated() {
        let carriers = HashMap::from([(CarrierId(1), deck("0.0100", Currency::USD))]);
        let customers = HashMap::from([(CustomerId(7), deck("0.0150", Currency::EUR))]);
        let dial = DialContext::international();
        let rater = CdrRater {
            carriers: &carriers,
            customers: &customers,
            dial: &dial,
            decimals: None,
        };
        assert!(matches!(
            rater.rate(&cdr("abc", None)),
            Err(CdrError::InvalidNumber(_))
        ));
        assert!(matches!(
            rater.rate(&cdr("33123456789", None)),
            Err(CdrError::NoBuyRoute(_))
        ));
        let mut other = cdr("441632960000", None);
        other.carrier = CarrierId(9);
        assert_eq!(
            rater.rate(&other),
            Err(CdrError::UnknownCarrier(CarrierId(9)))
        );
        other.carrier = CarrierId(1);
        other.customer = CustomerId(8);
        assert_eq!(
            rater.rate(&other),
            Err(CdrError::UnknownCustomer(CustomerId(8)))
        );
        // A EUR carrier and a USD card: cost and price each in their currency, no margin.
        let mixed = rater.rate(&cdr("441632960000", None)).unwrap();
        assert_ne!(mixed.cost.total.currency, mixed.price.total.currency);
        assert_eq!(mixed.margin, None);
        let mut backwards = cdr("441632960000", None);
        backwards.end = Some(t0());
        assert_eq!(rater.rate(&backwards), Err(CdrError::TimesOutOfOrder));
    }
}
