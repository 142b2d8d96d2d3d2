//! Column roles and the header words carriers use for them.

use serde::{Deserialize, Serialize};

/// What a deck column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// Dial code (prefix / code / dial code / dialcode).
    Prefix,
    /// Country calling code, joined with [`ColumnRole::AreaCode`] into the prefix.
    CountryCode,
    /// Area or network code following the country code.
    AreaCode,
    /// Destination name (destination / description / country).
    Destination,
    /// Price per minute, peak or only (rate / price / cost / rate per min).
    Rate,
    /// Off-peak price per minute.
    OffPeakRate,
    /// Weekend price per minute.
    WeekendRate,
    /// Connection / setup fee per call.
    ConnectionFee,
    /// Both increments in one column (`60/60`), or a single block size (`1` = 1/1).
    Increment,
    /// First billing block in seconds.
    InitialIncrement,
    /// Following billing blocks in seconds.
    NextIncrement,
    /// Minimum billed duration in seconds.
    MinimumDuration,
    /// Free seconds ("grace time").
    GraceTime,
    /// Effective date / valid from.
    EffectiveFrom,
    /// End date / valid to.
    EffectiveTo,
    /// Declared change: NEW / INCREASE / DECREASE / UNCHANGED / DELETED.
    Status,
}

impl ColumnRole {
    /// Every role, in the order forms list them.
    pub const ALL: [ColumnRole; 16] = [
        ColumnRole::Prefix,
        ColumnRole::CountryCode,
        ColumnRole::AreaCode,
        ColumnRole::Destination,
        ColumnRole::Rate,
        ColumnRole::OffPeakRate,
        ColumnRole::WeekendRate,
        ColumnRole::ConnectionFee,
        ColumnRole::Increment,
        ColumnRole::InitialIncrement,
        ColumnRole::NextIncrement,
        ColumnRole::MinimumDuration,
        ColumnRole::GraceTime,
        ColumnRole::EffectiveFrom,
        ColumnRole::EffectiveTo,
        ColumnRole::Status,
    ];

    /// The stable key, e.g. `"off_peak_rate"` (its serde name).
    pub fn key(self) -> &'static str {
        match self {
            ColumnRole::Prefix => "prefix",
            ColumnRole::CountryCode => "country_code",
            ColumnRole::AreaCode => "area_code",
            ColumnRole::Destination => "destination",
            ColumnRole::Rate => "rate",
            ColumnRole::OffPeakRate => "off_peak_rate",
            ColumnRole::WeekendRate => "weekend_rate",
            ColumnRole::ConnectionFee => "connection_fee",
            ColumnRole::Increment => "increment",
            ColumnRole::InitialIncrement => "initial_increment",
            ColumnRole::NextIncrement => "next_increment",
            ColumnRole::MinimumDuration => "minimum_duration",
            ColumnRole::GraceTime => "grace_time",
            ColumnRole::EffectiveFrom => "effective_from",
            ColumnRole::EffectiveTo => "effective_to",
            ColumnRole::Status => "status",
        }
    }

    /// A name for people, e.g. `"Off-peak rate"`.
    pub fn label(self) -> &'static str {
        match self {
            ColumnRole::Prefix => "Prefix",
            ColumnRole::CountryCode => "Country code",
            ColumnRole::AreaCode => "Area code",
            ColumnRole::Destination => "Destination",
            ColumnRole::Rate => "Rate per minute",
            ColumnRole::OffPeakRate => "Off-peak rate",
            ColumnRole::WeekendRate => "Weekend rate",
            ColumnRole::ConnectionFee => "Connection fee",
            ColumnRole::Increment => "Increments (60/60)",
            ColumnRole::InitialIncrement => "Initial increment",
            ColumnRole::NextIncrement => "Next increment",
            ColumnRole::MinimumDuration => "Minimum duration",
            ColumnRole::GraceTime => "Grace time",
            ColumnRole::EffectiveFrom => "Effective from",
            ColumnRole::EffectiveTo => "Effective to",
            ColumnRole::Status => "Status (NEW, INCREASE...)",
        }
    }

    /// The role whose [`ColumnRole::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        ColumnRole::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// Header words per role, after [`normalise`]. Matching is on the whole normalised header, so
/// "Operator code as defined in prefix-table" is not taken for a prefix.
const SYNONYMS: &[(ColumnRole, &[&str])] = &[
    (
        ColumnRole::Prefix,
        &[
            "prefix",
            "prefixes",
            "code",
            "codes",
            "dial code",
            "dialcode",
            "dial codes",
            "dialprefix",
            "dial prefix",
            "dialing code",
            "dialling code",
            "destination code",
            "number prefix",
            "e164",
            "numerazione",
            "prefisso",
            "breakout",
        ],
    ),
    (
        ColumnRole::CountryCode,
        &["country code", "cc", "countrycode"],
    ),
    (
        ColumnRole::AreaCode,
        &["area code", "areacode", "city code", "network code", "ndc"],
    ),
    (
        ColumnRole::Destination,
        &[
            "destination",
            "destination name",
            "description",
            "country",
            "country name",
            "name",
            "target pattern name",
            "location",
            "zone",
            "operatore servizio",
            "descrizione",
            "area name",
        ],
    ),
    (
        ColumnRole::Rate,
        &[
            "rate",
            "rates",
            "price",
            "cost",
            "rate per min",
            "rate per minute",
            "rate min",
            "price per min",
            "price per minute",
            "per minute charge",
            "cost min",
            "cost per min",
            "cost per minute",
            "buyrate",
            "buy rate",
            "peak",
            "peak rate",
            "peak per minute",
            "tariff",
            "tariffa",
            "new rate",
        ],
    ),
    (
        ColumnRole::OffPeakRate,
        &[
            "off peak",
            "offpeak",
            "off peak rate",
            "off peak per minute",
        ],
    ),
    (
        ColumnRole::WeekendRate,
        &["weekend", "weekend rate", "weekend per minute"],
    ),
    (
        ColumnRole::ConnectionFee,
        &[
            "connection",
            "connection fee",
            "connection cost",
            "connection charge",
            "connect fee",
            "setup",
            "setup fee",
            "set up fee",
            "setup charge",
            "set up charge",
            "peak call set up charge",
            "call set up charge",
            "scatto",
        ],
    ),
    (
        ColumnRole::Increment,
        &[
            "increment",
            "increments",
            "billing increment",
            "billing increments",
            "billing",
            "interval",
            "intervals",
            "charge period",
            "billing interval",
        ],
    ),
    (
        ColumnRole::InitialIncrement,
        &[
            "initial increment",
            "initial interval",
            "initblock",
            "init block",
            "first interval",
            "interval 1",
            "min increment",
        ],
    ),
    (
        ColumnRole::NextIncrement,
        &[
            "next increment",
            "next interval",
            "subsequent increment",
            "billingblock",
            "billing block",
            "interval n",
            "additional interval",
        ],
    ),
    (
        ColumnRole::MinimumDuration,
        &[
            "minimum duration",
            "min duration",
            "durata minima",
            "minimum seconds",
        ],
    ),
    (
        ColumnRole::GraceTime,
        &["grace time", "grace", "grace period"],
    ),
    (
        ColumnRole::EffectiveFrom,
        &[
            "effective date",
            "effective from",
            "effective",
            "valid from",
            "validity",
            "start date",
            "startdate",
            "date",
            "activation date",
            "effective on",
        ],
    ),
    (
        ColumnRole::EffectiveTo,
        &[
            "end date",
            "enddate",
            "effective to",
            "valid to",
            "valid until",
            "expiry",
            "expiry date",
            "expires",
            "stop date",
        ],
    ),
    (
        ColumnRole::Status,
        &["status", "change", "rate status", "change type", "action"],
    ),
];

/// Lower-cases, drops bracketed parts (`(USD)`), and turns every run of non-alphanumerics into one
/// space: `"Cost / Min (USD)"` becomes `"cost min"`.
pub(crate) fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0usize;
    let mut pending_space = false;
    for ch in header.trim_start_matches('\u{feff}').chars() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.extend(c.to_lowercase());
            }
            _ => pending_space = true,
        }
    }
    out
}

/// The role a header names, if any.
pub(crate) fn role_of(header: &str) -> Option<ColumnRole> {
    let name = normalise(header);
    SYNONYMS
        .iter()
        .find(|(_, words)| words.contains(&name.as_str()))
        .map(|(role, _)| *role)
}

/// A currency code written inside brackets of a header, e.g. `USD` in `"Cost / Min (USD)"`.
pub(crate) fn currency_in(header: &str) -> Option<String> {
    let start = header.find(['(', '['])?;
    let end = header[start..].find([')', ']'])? + start;
    let inner = header[start + 1..end].trim();
    (inner.len() == 3 && inner.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| inner.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip_and_every_role_is_listed() {
        let mut seen = std::collections::BTreeSet::new();
        for role in ColumnRole::ALL {
            assert_eq!(ColumnRole::from_key(role.key()), Some(role));
            assert!(seen.insert(role.key()), "{role:?} twice");
        }
        // Every role with header words is offered in mapping forms.
        for (role, _) in SYNONYMS {
            assert!(ColumnRole::ALL.contains(role), "{role:?}");
        }
    }

    #[test]
    fn header_words_map_to_roles() {
        assert_eq!(normalise("Cost / Min (USD)"), "cost min");
        assert_eq!(role_of("Cost / Min (USD)"), Some(ColumnRole::Rate));
        assert_eq!(role_of("\"Dial Code\""), Some(ColumnRole::Prefix));
        assert_eq!(role_of("Off-Peak"), Some(ColumnRole::OffPeakRate));
        assert_eq!(role_of("Durata Minima"), Some(ColumnRole::MinimumDuration));
        assert_eq!(role_of("Operator code as defined in prefix-table"), None);
        assert_eq!(role_of("ChargeCode"), None);
        assert_eq!(currency_in("Connection Cost (USD)").as_deref(), Some("USD"));
        assert_eq!(currency_in("Rate (per min)"), None);
    }
}
