//! Cell values as carriers write them: decimal commas, scientific notation, many date forms.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How to read an all-numeric date such as `03/04/2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day first: 03/04/2026 is 3 April (most of the world).
    DayMonthYear,
    /// Month first: 03/04/2026 is 4 March (United States).
    MonthDayYear,
}

/// One cell as read from a CSV line or a spreadsheet (numbers and dates only come from workbooks).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "xlsx"), allow(dead_code))]
pub(crate) enum Cell<'a> {
    /// Text (all CSV cells, spreadsheet strings).
    Text(&'a str),
    /// A spreadsheet number (binary float).
    Number(f64),
    /// A spreadsheet date, as an Excel serial day number (1900 date system).
    Serial(f64),
    /// No value.
    Empty,
}

impl Cell<'_> {
    /// True when the cell holds nothing but whitespace.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Empty => true,
            _ => false,
        }
    }

    /// The cell as text, for messages and text fields (numbers print in shortest form).
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) | Cell::Serial(n) => format!("{n}"),
            Cell::Empty => String::new(),
        }
    }
}

/// Reads a decimal written with a point or a comma, thousands separators, scientific notation
/// (`1.5E-3`) or a leading currency sign. `None` when it is not a number.
pub(crate) fn parse_decimal_text(raw: &str) -> Option<Decimal> {
    // Fast path without allocating: plain digits with at most one point, which every rule below
    // would leave unchanged.
    let plain = raw.trim();
    let mut points = 0;
    if !plain.is_empty()
        && plain.bytes().all(|b| match b {
            b'0'..=b'9' => true,
            b'.' => {
                points += 1;
                true
            }
            _ => false,
        })
        && points <= 1
    {
        return Decimal::from_str(plain).ok();
    }
    let mut s: String = raw
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if s.is_empty() {
        return None;
    }
    let last_comma = s.rfind(',');
    let last_point = s.rfind('.');
    match (last_comma, last_point) {
        (Some(c), Some(p)) if c > p => s = s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s = s.replace(',', ""),
        (Some(_), None) if s.matches(',').count() == 1 => s = s.replace(',', "."),
        (Some(_), None) => s = s.replace(',', ""),
        _ => {}
    }
    if s.contains(['e', 'E']) {
        return Decimal::from_scientific(&s).ok();
    }
    Decimal::from_str(&s).ok()
}

/// A cell as a decimal; spreadsheet floats are read to 8 decimals, the most a rate keeps.
pub(crate) fn parse_decimal(cell: Cell<'_>) -> Option<Decimal> {
    match cell {
        Cell::Text(t) => parse_decimal_text(t),
        Cell::Number(n) => Decimal::from_str(&format!("{n}"))
            .ok()
            .map(|d| d.round_dp(8).normalize()),
        Cell::Serial(_) | Cell::Empty => None,
    }
}

/// A cell as whole seconds (`"60"`, `60.0`).
pub(crate) fn parse_seconds(cell: Cell<'_>) -> Option<u32> {
    let d = parse_decimal(cell)?;
    if d.fract().is_zero() && !d.is_sign_negative() {
        rust_decimal::prelude::ToPrimitive::to_u32(&d)
    } else {
        None
    }
}

/// Excel serial day (1900 system, with its 1900 leap-year quirk) to a date-time.
pub(crate) fn from_excel_serial(serial: f64) -> Option<DateTime<Utc>> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let millis = (serial * 86_400_000.0).round() as i64;
    Some((base + chrono::Duration::milliseconds(millis)).and_utc())
}

/// Splits `a/b/c` (also with `.` or `-`) into three numbers when the text is a numeric date.
pub(crate) fn numeric_date_parts(text: &str) -> Option<(u32, u32, i32)> {
    let date = text.split_whitespace().next()?;
    let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
    if parts.len() != 3 || parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    let a = parts[0].parse().ok()?;
    let b = parts[1].parse().ok()?;
    let mut y: i32 = parts[2].parse().ok()?;
    if parts[2].len() == 2 {
        y += 2000;
    }
    Some((a, b, y))
}

fn time_part(text: &str) -> Option<NaiveTime> {
    match text.split_whitespace().nth(1) {
        None => Some(NaiveTime::MIN),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .ok(),
    }
}

/// Reads a date cell: ISO `2026-03-01` (optionally with `T`/space and a time), `20260301`,
/// numeric day/month or month/day per `order`, an Excel serial date, or a 5-digit serial as text.
pub(crate) fn parse_date(cell: Cell<'_>, order: DateOrder) -> Option<DateTime<Utc>> {
    let text = match cell {
        Cell::Serial(s) | Cell::Number(s) => return from_excel_serial(s),
        Cell::Empty => return None,
        Cell::Text(t) => t.trim(),
    };
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            return Some(d.and_time(NaiveTime::MIN).and_utc());
        }
    }
    if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
        return from_excel_serial(text.parse().ok()?);
    }
    let (a, b, y) = numeric_date_parts(text)?;
    let (d, m) = match order {
        DateOrder::DayMonthYear => (a, b),
        DateOrder::MonthDayYear => (b, a),
    };
    Some(
        NaiveDate::from_ymd_opt(y, m, d)?
            .and_time(time_part(text)?)
            .and_utc(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn decimals_in_carrier_spellings() {
        let d = |s| parse_decimal_text(s).map(|d| d.to_string());
        assert_eq!(d("0,1175").as_deref(), Some("0.1175"));
        assert_eq!(d("1.234,56").as_deref(), Some("1234.56"));
        assert_eq!(d("1,234.56").as_deref(), Some("1234.56"));
        assert_eq!(d("1.5E-3").as_deref(), Some("0.0015"));
        assert_eq!(d("$0.01").as_deref(), Some("0.01"));
        assert_eq!(d("abc"), None);
        assert_eq!(
            parse_decimal(Cell::Number(0.1 + 0.2)).map(|d| d.to_string()),
            Some("0.3".into())
        );
        assert_eq!(parse_seconds(Cell::Text("60")), Some(60));
        assert_eq!(parse_seconds(Cell::Text("6.5")), None);
    }

    #[test]
    fn dates_in_carrier_spellings() {
        let day = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        let dmy = DateOrder::DayMonthYear;
        assert_eq!(
            parse_date(Cell::Text("22/02/2010"), dmy),
            Some(day(2010, 2, 22))
        );
        assert_eq!(
            parse_date(Cell::Text("03/04/2026"), DateOrder::MonthDayYear),
            Some(day(2026, 3, 4))
        );
        assert_eq!(
            parse_date(Cell::Text("2008-03-07 21:21:38"), dmy),
            Some(Utc.with_ymd_and_hms(2008, 3, 7, 21, 21, 38).unwrap())
        );
        assert_eq!(
            parse_date(Cell::Serial(45352.0), dmy),
            Some(day(2024, 3, 1))
        );
        assert_eq!(parse_date(Cell::Text("45352"), dmy), Some(day(2024, 3, 1)));
        assert_eq!(parse_date(Cell::Text("31/02/2026"), dmy), None);
        assert_eq!(parse_date(Cell::Text("tag3"), dmy), None);
    }
}
