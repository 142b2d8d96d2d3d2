//! Billing increments: how call seconds become billed seconds.
//!
//! "a/b": the first `a` seconds are charged as one block, then blocks of `b` seconds (60/60, 30/6,
//! 6/6, 1/1). An optional minimum `m` ("a/b/m") bills at least `m` seconds for any answered call
//! ("Durata Minima" in Italian decks). Duration 0 bills 0. Source: design/domain.md "Billing
//! increments".

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Errors of [`Increment::parse`] and [`Increment::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncrementError {
    /// Not of the form `a/b` or `a/b/m` with whole seconds.
    #[error("`{0}` is not an increment like 60/60, 30/6 or 1/1")]
    Malformed(String),
    /// The next-block size must be at least one second.
    #[error("the next increment of `{0}` is 0 seconds")]
    ZeroNext(String),
    /// Blocks longer than an hour are not billing increments.
    #[error("`{0}` has a block longer than 3600 seconds")]
    TooLong(String),
}

/// Billing increments in seconds: `initial` block, then `next` blocks, at least `minimum` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Increment {
    /// First block in seconds (0 means the first block is `next` seconds long).
    pub initial: u32,
    /// Each following block in seconds, at least 1.
    pub next: u32,
    /// Minimum billed seconds of any call longer than 0 s (0 for none).
    pub minimum: u32,
}

impl Increment {
    /// Per-minute billing, 60/60.
    pub const PER_MINUTE: Increment = Increment {
        initial: 60,
        next: 60,
        minimum: 0,
    };
    /// Per-second billing, 1/1.
    pub const PER_SECOND: Increment = Increment {
        initial: 1,
        next: 1,
        minimum: 0,
    };

    /// An increment of `initial`/`next` seconds with no minimum.
    ///
    /// Errors: [`IncrementError::ZeroNext`], [`IncrementError::TooLong`] (a block over 3600 s).
    pub fn new(initial: u32, next: u32) -> Result<Self, IncrementError> {
        Increment::with_minimum(initial, next, 0)
    }

    /// An increment with a minimum billed duration in seconds.
    ///
    /// Errors: as [`Increment::new`].
    pub fn with_minimum(initial: u32, next: u32, minimum: u32) -> Result<Self, IncrementError> {
        let text = || format!("{initial}/{next}/{minimum}");
        if next == 0 {
            return Err(IncrementError::ZeroNext(text()));
        }
        if initial > 3600 || next > 3600 || minimum > 3600 {
            return Err(IncrementError::TooLong(text()));
        }
        Ok(Increment {
            initial,
            next,
            minimum,
        })
    }

    /// Parses `"60/60"`, `"30/6"`, `"1/1"` or with a minimum `"1/1/60"`; spaces are ignored and `-`
    /// or `+` may stand for `/`.
    ///
    /// Errors: [`IncrementError`].
    pub fn parse(text: &str) -> Result<Self, IncrementError> {
        let malformed = || IncrementError::Malformed(text.to_string());
        // Up to four parts without allocating (a fourth means malformed).
        let mut parts = [""; 4];
        let mut count = 0;
        for part in text.split(['/', '-', '+']).map(str::trim) {
            if count == parts.len() {
                return Err(malformed());
            }
            parts[count] = part;
            count += 1;
        }
        let number = |s: &str| s.parse::<u32>().map_err(|_| malformed());
        match &parts[..count] {
            [a, b] => Increment::new(number(a)?, number(b)?),
            [a, b, m] => Increment::with_minimum(number(a)?, number(b)?, number(m)?),
            _ => Err(malformed()),
        }
    }

    /// Billed seconds for a call of `duration` seconds: 0 for 0; otherwise at least `minimum` and
    /// `initial`, then rounded up to whole `next` blocks.
    pub fn billed_seconds(self, duration: u32) -> u32 {
        if duration == 0 {
            return 0;
        }
        let duration = duration.max(self.minimum);
        if duration <= self.initial {
            return self.initial;
        }
        let rest = duration - self.initial;
        self.initial + rest.div_ceil(self.next) * self.next
    }
}

impl Increment {
    /// The increments in words for a price list read by the public: `per second` (1/1),
    /// `per minute` (60/60), `per 6 s` (6/6), `first 30 s, then per 6 s` (30/6), with
    /// `, at least 60 s a call` for a minimum (1/1/60).
    pub fn describe(self) -> String {
        let first = if self.initial == 0 {
            self.next
        } else {
            self.initial
        };
        let per = |secs: u32| match secs {
            1 => "per second".to_owned(),
            60 => "per minute".to_owned(),
            s => format!("per {s} s"),
        };
        let mut text = if first == self.next {
            per(self.next)
        } else {
            format!("first {first} s, then {}", per(self.next))
        };
        if self.minimum > first {
            text.push_str(&format!(", at least {} s a call", self.minimum));
        }
        text
    }
}

impl fmt::Display for Increment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.minimum == 0 {
            write!(f, "{}/{}", self.initial, self.next)
        } else {
            write!(f, "{}/{}/{}", self.initial, self.next, self.minimum)
        }
    }
}

impl FromStr for Increment {
    type Err = IncrementError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Increment::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn increments_read_as_words_on_a_public_price_list() {
        let words = |t: &str| Increment::parse(t).unwrap().describe();
        assert_eq!(words("1/1"), "per second");
        assert_eq!(words("60/60"), "per minute");
        assert_eq!(words("6/6"), "per 6 s");
        assert_eq!(words("0/6"), "per 6 s");
        assert_eq!(words("30/6"), "first 30 s, then per 6 s");
        assert_eq!(words("60/1"), "first 60 s, then per second");
        assert_eq!(words("1/1/60"), "per second, at least 60 s a call");
        // A minimum no longer than the first block adds nothing.
        assert_eq!(words("60/60/30"), "per minute");
    }

    #[test]
    fn common_increments_bill_as_the_trade_expects() {
        let i = Increment::parse("60/60").unwrap();
        assert_eq!(
            [0, 1, 60, 61, 120, 121].map(|d| i.billed_seconds(d)),
            [0, 60, 60, 120, 120, 180]
        );
        let i = Increment::parse("30/6").unwrap();
        assert_eq!(
            [1, 30, 31, 36, 37].map(|d| i.billed_seconds(d)),
            [30, 30, 36, 36, 42]
        );
        let i = Increment::parse("1/1/60").unwrap();
        assert_eq!([1, 59, 61].map(|d| i.billed_seconds(d)), [60, 60, 61]);
        let i = Increment::parse("0/60").unwrap();
        assert_eq!([1, 61].map(|d| i.billed_seconds(d)), [60, 120]);
        assert_eq!(i.to_string(), "0/60");
    }

    #[test]
    fn rejects_malformed_increments() {
        assert!(matches!(
            Increment::parse("60"),
            Err(IncrementError::Malformed(_))
        ));
        assert!(matches!(
            Increment::parse("60/0"),
            Err(IncrementError::ZeroNext(_))
        ));
        assert!(matches!(
            Increment::parse("a/b"),
            Err(IncrementError::Malformed(_))
        ));
        assert!(matches!(
            Increment::parse("7200/60"),
            Err(IncrementError::TooLong(_))
        ));
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = Increment::parse(&text);
        }

        #[test]
        fn billed_seconds_follow_the_blocks(a in 0u32..=120, b in 1u32..=60, m in 0u32..=120, d in 1u32..100_000) {
            let inc = Increment::with_minimum(a, b, m).unwrap();
            let billed = inc.billed_seconds(d);
            prop_assert!(billed >= d);
            prop_assert!(billed >= m);
            prop_assert!(billed >= a);
            if d > a.max(m) {
                prop_assert_eq!((billed - a) % b, 0);
                prop_assert!(billed - d < b);
            }
            prop_assert!(inc.billed_seconds(d + 1) >= billed);
        }
    }
}
