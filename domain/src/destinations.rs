//! The A-Z destination database: prefix -> country, destination name and type, so that rates of
//! different carriers are named and grouped the same way, and routing plans can block a type
//! ("no premium, no satellite").
//!
//! Types follow ITU-T E.164 and its supplements: geographic (fixed) and mobile numbers, freephone
//! (toll-free), premium rate, satellite (Inmarsat +870, GMSS +881) and special services
//! (shared cost, international networks +882/+883, UPT +878).

use crate::number::{E164, Prefix};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// What kind of numbers a destination holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    /// Geographic (landline) numbers.
    Fixed,
    /// Mobile networks.
    Mobile,
    /// Freephone: the callee pays (e.g. +800 UIFN).
    TollFree,
    /// Premium rate services (e.g. +979).
    Premium,
    /// Satellite networks (e.g. +870 Inmarsat, +881 GMSS).
    Satellite,
    /// Other services: shared cost, international networks, personal numbers.
    Special,
}

/// Text that names no [`DestinationKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown destination type `{0}`: expected fixed, mobile, toll_free, premium, satellite or special"
)]
pub struct UnknownKind(pub String);

impl DestinationKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [DestinationKind; 6] = [
        DestinationKind::Fixed,
        DestinationKind::Mobile,
        DestinationKind::TollFree,
        DestinationKind::Premium,
        DestinationKind::Satellite,
        DestinationKind::Special,
    ];

    /// The stored name, e.g. `toll_free`.
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationKind::Fixed => "fixed",
            DestinationKind::Mobile => "mobile",
            DestinationKind::TollFree => "toll_free",
            DestinationKind::Premium => "premium",
            DestinationKind::Satellite => "satellite",
            DestinationKind::Special => "special",
        }
    }

    /// A name for people, e.g. `Toll-free`.
    pub fn label(self) -> &'static str {
        match self {
            DestinationKind::Fixed => "Fixed",
            DestinationKind::Mobile => "Mobile",
            DestinationKind::TollFree => "Toll-free",
            DestinationKind::Premium => "Premium",
            DestinationKind::Satellite => "Satellite",
            DestinationKind::Special => "Special",
        }
    }

    /// Reads a stored name or the words A-Z files use (`landline`, `geographic`, `cellular`,
    /// `freephone`, `toll-free`, `premium rate`, `sat`...), case-insensitive.
    ///
    /// # Errors
    /// [`UnknownKind`] for anything else.
    pub fn parse(text: &str) -> Result<Self, UnknownKind> {
        let word = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match word.as_str() {
            "fixed" | "landline" | "geographic" | "fix" | "proper" => DestinationKind::Fixed,
            "mobile" | "cellular" | "cell" | "mob" | "gsm" => DestinationKind::Mobile,
            "toll_free" | "tollfree" | "freephone" | "free" => DestinationKind::TollFree,
            "premium" | "premium_rate" | "prs" => DestinationKind::Premium,
            "satellite" | "sat" => DestinationKind::Satellite,
            "special" | "shared_cost" | "services" | "other" => DestinationKind::Special,
            _ => return Err(UnknownKind(text.trim().to_owned())),
        })
    }

    /// The type of a non-geographic country code of ITU-T E.164 (`region` 001), by the code.
    pub fn of_global_code(country_code: &str) -> DestinationKind {
        match country_code {
            "800" => DestinationKind::TollFree,
            "979" => DestinationKind::Premium,
            "870" | "881" => DestinationKind::Satellite,
            _ => DestinationKind::Special,
        }
    }
}

impl fmt::Display for DestinationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One A-Z entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// The dial code it covers (longer codes of other entries take precedence below it).
    pub prefix: Prefix,
    /// ISO 3166-1 alpha-2 region, or `001` for non-geographic codes.
    pub region: String,
    /// Country name.
    pub country: String,
    /// Destination name, e.g. `US - New Jersey`.
    pub name: String,
    /// Its type.
    pub kind: DestinationKind,
}

/// The A-Z entries indexed for longest-prefix look-ups.
#[derive(Debug, Clone, Default)]
pub struct DestinationIndex {
    entries: Vec<Destination>,
    by_key: HashMap<u64, usize>,
    lengths: u32,
}

impl DestinationIndex {
    /// Indexes `entries`; a later entry with the same prefix replaces an earlier one.
    pub fn new(entries: Vec<Destination>) -> Self {
        let mut index = DestinationIndex::default();
        for d in entries {
            let key = d.prefix.key();
            index.lengths |= 1 << d.prefix.len();
            match index.by_key.get(&key) {
                Some(&i) => index.entries[i] = d,
                None => {
                    index.by_key.insert(key, index.entries.len());
                    index.entries.push(d);
                }
            }
        }
        index
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry with the longest prefix that starts `number`.
    pub fn lookup(&self, number: E164) -> Option<&Destination> {
        (1..=number.len().min(31))
            .rev()
            .filter(|n| self.lengths & (1 << n) != 0)
            .find_map(|n| self.by_key.get(&number.prefix(n).key()))
            .map(|&i| &self.entries[i])
    }

    /// The entry with the longest prefix that starts `prefix` (a rate's prefix: its own entry or
    /// the closest shorter one).
    pub fn lookup_prefix(&self, prefix: Prefix) -> Option<&Destination> {
        let mut p = prefix;
        loop {
            if let Some(&i) = self.by_key.get(&p.key()) {
                return Some(&self.entries[i]);
            }
            if p.len() <= 1 {
                return None;
            }
            p = p.parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(prefix: &str, name: &str, kind: DestinationKind) -> Destination {
        Destination {
            prefix: Prefix::parse(prefix).unwrap(),
            region: "GB".into(),
            country: "United Kingdom".into(),
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn longest_prefix_wins_for_numbers_and_prefixes() {
        let index = DestinationIndex::new(vec![
            d("44", "United Kingdom", DestinationKind::Fixed),
            d("447", "United Kingdom Mobile", DestinationKind::Mobile),
            d("4470", "United Kingdom Personal", DestinationKind::Special),
        ]);
        let name = |n: &str| {
            index
                .lookup(E164::parse(n).unwrap())
                .map(|d| d.name.as_str())
        };
        assert_eq!(name("442079460000"), Some("United Kingdom"));
        assert_eq!(name("447700900123"), Some("United Kingdom Mobile"));
        assert_eq!(name("447012345678"), Some("United Kingdom Personal"));
        assert_eq!(name("33123456789"), None);
        let of = |p: &str| {
            index
                .lookup_prefix(Prefix::parse(p).unwrap())
                .map(|d| d.kind)
        };
        assert_eq!(of("4478"), Some(DestinationKind::Mobile));
        assert_eq!(of("44"), Some(DestinationKind::Fixed));
        assert_eq!(of("4"), None);
    }

    #[test]
    fn kinds_read_the_words_of_a_z_files() {
        for (word, kind) in [
            ("Landline", DestinationKind::Fixed),
            ("CELLULAR", DestinationKind::Mobile),
            ("toll-free", DestinationKind::TollFree),
            ("Premium Rate", DestinationKind::Premium),
            ("sat", DestinationKind::Satellite),
            ("shared cost", DestinationKind::Special),
        ] {
            assert_eq!(DestinationKind::parse(word), Ok(kind), "{word}");
        }
        assert!(DestinationKind::parse("pager").is_err());
        for kind in DestinationKind::ALL {
            assert_eq!(DestinationKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            DestinationKind::of_global_code("881"),
            DestinationKind::Satellite
        );
        assert_eq!(
            DestinationKind::of_global_code("800"),
            DestinationKind::TollFree
        );
        assert_eq!(
            DestinationKind::of_global_code("882"),
            DestinationKind::Special
        );
    }
}
