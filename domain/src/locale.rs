//! Money as a person reads it: amounts in the number format of their locale (grouping
//! separator and decimal mark from CLDR through `num-format`), always with the currency code,
//! e.g. `1,234.56 USD` in English, `1.234,56 USD` in German, `1 234,56 USD` in French.
//!
//! Only what people read is formatted this way: form values, CSV exports and API answers keep
//! the plain `1234.56` that [`crate::ledger::display`] gives, so they read back exactly.

use crate::ledger::display;
use num_format::{Locale, ToFormattedString};

/// The number format of one locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    locale: Locale,
}

impl Default for NumberFormat {
    /// English: `1,234.56`.
    fn default() -> Self {
        NumberFormat { locale: Locale::en }
    }
}

impl NumberFormat {
    /// The format of BCP 47 tag `tag` (e.g. `de-CH`, `fr`, `en_US`): the tag itself when CLDR
    /// knows it, else its language, else English.
    pub fn for_tag(tag: &str) -> NumberFormat {
        let tag = tag.trim().replace('_', "-");
        let language = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let locale = Locale::from_name(tag.as_str())
            .or_else(|_| Locale::from_name(language.as_str()))
            .unwrap_or(Locale::en);
        NumberFormat { locale }
    }

    /// The format of the first language of an `Accept-Language` header (RFC 9110, 12.5.4) that
    /// CLDR knows, by the header's order of preference; English when none.
    pub fn for_accept_language(header: &str) -> NumberFormat {
        let mut tags: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                    .unwrap_or(1.0);
                (!tag.is_empty() && tag != "*" && q > 0.0).then_some((q, i, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        tags.into_iter()
            .map(|(_, _, tag)| tag)
            .find(|tag| {
                let language = tag.split(['-', '_']).next().unwrap_or_default();
                Locale::from_name(*tag).is_ok() || Locale::from_name(language).is_ok()
            })
            .map_or_else(NumberFormat::default, NumberFormat::for_tag)
    }

    /// The CLDR name of the locale, e.g. `de`, to store and give back to [`NumberFormat::for_tag`].
    pub fn tag(&self) -> &'static str {
        self.locale.name()
    }

    /// `micros` (see [`crate::ledger`]) with at least `minor_decimals` decimals, grouped and
    /// with the locale's decimal mark, e.g. `-1.234,5678`.
    pub fn amount(&self, micros: i64, minor_decimals: u32) -> String {
        let plain = display(micros, minor_decimals);
        let (sign, digits) = match plain.strip_prefix('-') {
            Some(rest) => (self.locale.minus_sign(), rest),
            None => ("", plain.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let whole = whole.parse::<u64>().map_or_else(
            |_| whole.to_owned(),
            |w| w.to_formatted_string(&self.locale),
        );
        if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}{}{fraction}", self.locale.decimal())
        }
    }

    /// As [`NumberFormat::amount`] with `+` before credits (ledger entries), e.g. `+25.50`.
    pub fn signed(&self, micros: i64, minor_decimals: u32) -> String {
        let text = self.amount(micros, minor_decimals);
        if micros > 0 { format!("+{text}") } else { text }
    }

    /// As [`NumberFormat::amount`] followed by the currency code, e.g. `1,234.56 USD`.
    pub fn money(&self, micros: i64, minor_decimals: u32, currency: &str) -> String {
        format!("{} {currency}", self.amount(micros, minor_decimals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_the_locale() {
        let en = NumberFormat::for_tag("en-US");
        assert_eq!(en.money(1_234_560_000, 2, "USD"), "1,234.56 USD");
        assert_eq!(en.amount(-1_234_567_800, 2), "-1,234.5678");
        assert_eq!(en.signed(25_500_000, 2), "+25.50");
        assert_eq!(en.amount(5_000_000, 0), "5");
        let de = NumberFormat::for_tag("de_DE");
        assert_eq!(de.money(1_234_560_000, 2, "EUR"), "1.234,56 EUR");
        assert_eq!(de.amount(12_000, 2), "0,012");
        let fr = NumberFormat::for_tag("fr");
        assert_eq!(
            fr.amount(1_234_560_000, 2),
            format!("1{}234,56", Locale::fr.separator())
        );
        assert_eq!(NumberFormat::for_tag("xx-YY"), NumberFormat::default());
        assert_eq!(NumberFormat::for_tag(de.tag()), de);
    }

    #[test]
    fn accept_language_picks_the_preferred_known_locale() {
        assert_eq!(
            NumberFormat::for_accept_language("de-CH;q=0.5, fr-FR, en;q=0.8"),
            NumberFormat::for_tag("fr-FR")
        );
        assert_eq!(
            NumberFormat::for_accept_language("tlh, de;q=0.9"),
            NumberFormat::for_tag("de")
        );
        assert_eq!(
            NumberFormat::for_accept_language(""),
            NumberFormat::default()
        );
        assert_eq!(
            NumberFormat::for_accept_language("*"),
            NumberFormat::default()
        );
    }
}
