//! E.164 numbers and dial-code prefixes.
//!
//! Both are held as up to 15 decimal digits packed into a `u64` plus a length, so they are `Copy`,
//! hash in one step and compare prefix-wise with integer arithmetic (the longest-prefix lookups of
//! rating and LCR depend on it). ITU-T E.164 caps a number at 15 digits, country code included.
//! Normalisation strips `+`, spaces, dashes, dots and parentheses; an international access code
//! (`00`, `011`) or a national trunk prefix (`0`) needs a [`DialContext`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most digits of an E.164 number (ITU-T E.164 §6).
pub const MAX_DIGITS: usize = 15;

/// Errors of [`E164`] and [`Prefix`] parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing left after removing `+`, spaces and separators.
    #[error("empty number")]
    Empty,
    /// A character other than a digit or an allowed separator.
    #[error("`{0}` contains a character that is not a digit")]
    NotDigits(String),
    /// More than 15 digits.
    #[error("`{0}` has more than 15 digits")]
    TooLong(String),
    /// Fewer digits than a full number can have (E.164 numbers have at least 4 here).
    #[error("`{0}` is too short for a phone number")]
    TooShort(String),
    /// An international number cannot start with 0 once access codes are removed.
    #[error("`{0}` starts with 0: a national number needs a country context")]
    NeedsCountry(String),
}

/// Strips separators and returns the digits, remembering a leading `+`.
fn clean(input: &str) -> Result<(bool, String), NumberError> {
    let trimmed = input.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(NumberError::NotDigits(input.to_string())),
        }
    }
    if digits.is_empty() {
        return Err(NumberError::Empty);
    }
    if digits.len() > MAX_DIGITS {
        return Err(NumberError::TooLong(input.to_string()));
    }
    Ok((plus, digits))
}

fn pack(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

fn unpack(value: u64, len: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{:0width$}", value, width = usize::from(len))
}

const POW10: [u64; 16] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
];

/// How a dialled string is read: the caller's country and its dialling codes.
///
/// Wholesale traffic normally arrives in international form without `+` (`441632960000`), which is
/// what [`DialContext::international`] reads. A retail or national feed sets `country_code` so that
/// `01632 960000` becomes `441632960000`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialContext {
    /// Country calling code digits (`"44"`), or `None` when national numbers are not expected.
    pub country_code: Option<String>,
    /// National trunk prefix replaced by the country code (`"0"` in most of Europe).
    pub national_prefix: String,
    /// International access codes removed from the front (`"00"`, `"011"`), longest tried first.
    pub international_prefixes: Vec<String>,
}

impl DialContext {
    /// International numbers only: `+44…`, `0044…`, `01144…` or bare `44…`.
    pub fn international() -> Self {
        DialContext {
            country_code: None,
            national_prefix: "0".into(),
            international_prefixes: vec!["011".into(), "00".into()],
        }
    }

    /// A country context: national numbers with trunk prefix `0` gain `country_code`.
    pub fn national(country_code: &str) -> Self {
        DialContext {
            country_code: Some(country_code.to_string()),
            ..DialContext::international()
        }
    }
}

impl Default for DialContext {
    fn default() -> Self {
        DialContext::international()
    }
}

/// A phone number in international E.164 form: 4 to 15 digits, the first not 0, no `+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164 {
    value: u64,
    len: u8,
}

impl E164 {
    /// Parses an international number (`+44 1632 960000`, `0044…`, `011…`, `441632960000`).
    ///
    /// Errors: [`NumberError`] (empty, not digits, too long or short, starts with 0).
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        E164::parse_with(input, &DialContext::international())
    }

    /// Parses `input` read in `ctx`: a leading `+` means international; otherwise the context's
    /// international access codes are stripped, or its national prefix is replaced by its country
    /// code (`01632 960000` in `DialContext::national("44")` is `441632960000`).
    ///
    /// Errors: [`NumberError`]; [`NumberError::NeedsCountry`] for a national number without a country.
    pub fn parse_with(input: &str, ctx: &DialContext) -> Result<Self, NumberError> {
        let (plus, mut digits) = clean(input)?;
        if !plus {
            let mut stripped = false;
            let mut access: Vec<&String> = ctx.international_prefixes.iter().collect();
            access.sort_by_key(|p| std::cmp::Reverse(p.len()));
            for code in access {
                if !code.is_empty() && digits.starts_with(code.as_str()) {
                    digits.drain(..code.len());
                    stripped = true;
                    break;
                }
            }
            if !stripped
                && let Some(cc) = &ctx.country_code
                && !ctx.national_prefix.is_empty()
                && digits.starts_with(ctx.national_prefix.as_str())
            {
                digits = format!("{cc}{}", &digits[ctx.national_prefix.len()..]);
            }
        }
        if digits.starts_with('0') {
            return Err(NumberError::NeedsCountry(input.to_string()));
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooLong(input.to_string()));
        }
        if digits.len() < 4 {
            return Err(NumberError::TooShort(input.to_string()));
        }
        Ok(E164 {
            value: pack(&digits),
            len: digits.len() as u8,
        })
    }

    /// Number of digits (4..=15).
    pub fn len(self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a number has at least 4 digits (present for the `len` convention).
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The first `len` digits as a prefix (`len` is clamped to 1..=self.len()).
    pub fn prefix(self, len: usize) -> Prefix {
        let len = len.clamp(1, self.len());
        Prefix {
            value: self.value / POW10[self.len() - len],
            len: len as u8,
        }
    }

    /// True when `prefix` is a leading part of this number.
    pub fn starts_with(self, prefix: Prefix) -> bool {
        prefix.len() <= self.len() && self.prefix(prefix.len()) == prefix
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        unpack(self.value, self.len, f)
    }
}

impl FromStr for E164 {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        E164::parse(s)
    }
}

impl Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        E164::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A dial code: the leading 1 to 15 digits of numbers (`44`, `4477`, `93`); a leading `+` and
/// separators are dropped. National short codes (`112`) and leading zeros are allowed, since
/// national decks use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    value: u64,
    len: u8,
}

impl Prefix {
    /// Parses `"+93"`, `"44 77"` or `"4477"`.
    ///
    /// Errors: [`NumberError::Empty`], [`NumberError::NotDigits`], [`NumberError::TooLong`].
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        // Fast path without allocating: plain digits, which `clean` would keep as they are.
        let plain = input.trim();
        if (1..=MAX_DIGITS).contains(&plain.len()) && plain.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Prefix {
                value: pack(plain),
                len: plain.len() as u8,
            });
        }
        let (_, digits) = clean(input)?;
        Ok(Prefix {
            value: pack(&digits),
            len: digits.len() as u8,
        })
    }

    /// Number of digits (1..=15).
    pub fn len(self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a prefix has at least one digit.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// A single `u64` that is unique per prefix (digits and length), used as a hash key.
    pub fn key(self) -> u64 {
        (self.value << 4) | u64::from(self.len)
    }

    /// This prefix without its last digit (a 1-digit prefix gives an empty, 0-digit value that
    /// no deck holds).
    #[inline]
    pub(crate) fn parent(self) -> Prefix {
        Prefix {
            value: self.value / 10,
            len: self.len.saturating_sub(1),
        }
    }

    /// True when `other` begins with this prefix (a prefix starts with itself).
    pub fn is_prefix_of(self, other: Prefix) -> bool {
        self.len <= other.len && other.value / POW10[other.len() - self.len()] == self.value
    }

    /// This prefix read as the shortest number it covers, for rating a prefix itself (used when
    /// generating sell rates: the rate of carrier B for carrier A's prefix `4477`).
    pub fn as_number(self) -> E164 {
        E164 {
            value: self.value,
            len: self.len,
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        unpack(self.value, self.len, f)
    }
}

impl FromStr for Prefix {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Prefix::parse(s)
    }
}

impl Serialize for Prefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Prefix::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_international_forms() {
        for input in [
            "+44 1632 960000",
            "0044-1632-960000",
            "011441632960000",
            "441632960000",
            "+44 (1632) 960.000",
        ] {
            assert_eq!(E164::parse(input).unwrap().to_string(), "441632960000");
        }
    }

    #[test]
    fn national_numbers_need_a_country() {
        assert_eq!(
            E164::parse("01632 960000"),
            Err(NumberError::NeedsCountry("01632 960000".into()))
        );
        let uk = DialContext::national("44");
        assert_eq!(
            E164::parse_with("01632 960000", &uk).unwrap().to_string(),
            "441632960000"
        );
        assert_eq!(
            E164::parse_with("0033 1 23 45 67 89", &uk)
                .unwrap()
                .to_string(),
            "33123456789"
        );
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(E164::parse(""), Err(NumberError::Empty));
        assert!(matches!(
            E164::parse("44a1"),
            Err(NumberError::NotDigits(_))
        ));
        assert!(matches!(
            E164::parse("1234567890123456"),
            Err(NumberError::TooLong(_))
        ));
        assert!(matches!(E164::parse("441"), Err(NumberError::TooShort(_))));
    }

    #[test]
    fn prefixes_keep_leading_zeros_and_match() {
        let p = Prefix::parse("+93").unwrap();
        assert_eq!(p.to_string(), "93");
        assert_eq!(Prefix::parse("0039").unwrap().to_string(), "0039");
        let n = E164::parse("93701234567").unwrap();
        assert!(n.starts_with(p));
        assert!(!n.starts_with(Prefix::parse("94").unwrap()));
        assert_eq!(n.prefix(3).to_string(), "937");
        assert!(p.is_prefix_of(Prefix::parse("9370").unwrap()));
        assert_ne!(
            Prefix::parse("1").unwrap().key(),
            Prefix::parse("01").unwrap().key()
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(input in any::<String>()) {
            let _ = E164::parse(&input);
            let _ = E164::parse_with(&input, &DialContext::national("44"));
            let _ = Prefix::parse(&input);
        }

        #[test]
        fn digits_round_trip(digits in "[1-9][0-9]{3,14}") {
            let n = E164::parse(&digits).unwrap();
            prop_assert_eq!(n.to_string(), digits.clone());
            let p = Prefix::parse(&digits).unwrap();
            prop_assert_eq!(p.to_string(), digits);
            prop_assert!(n.starts_with(p));
        }
    }
}
