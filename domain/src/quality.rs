//! Traffic quality figures from call counts: ASR, ACD and NER, as carriers, customers and alerts
//! speak of them (design/domain.md "Words").
//!
//! - ASR (answer seizure ratio, ITU-T E.411): answered calls / attempts, in percent.
//! - ACD (average call duration): connected seconds / answered calls.
//! - NER (network effectiveness ratio, ITU-T E.425): attempts that ended in an answer or in a
//!   failure of the called user (unavailable 480, busy 486 and 600, cancelled while ringing
//!   487, declined 603) / attempts, in percent: what the network delivered, whatever the callee
//!   did.
//! - PDD (post-dial delay, RFC 6076 section 4.5 "Session Request Delay"): from the INVITE to
//!   the first ringing or progress answer (180/183), averaged over the calls that rang.

use serde::{Deserialize, Serialize};

/// SIP final codes that are the called user's doing, not the network's (NER counts them as
/// effective): 480 temporarily unavailable, 486 busy here, 487 request terminated (the caller
/// hung up while it rang), 600 busy everywhere, 603 decline.
pub const USER_CODES: [u16; 5] = [480, 486, 487, 600, 603];

/// Call counts of some traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    /// Call attempts (seizures).
    pub attempts: u64,
    /// Answered calls.
    pub answered: u64,
    /// Unanswered attempts that ended in a [`USER_CODES`] code.
    pub user_failures: u64,
    /// Connected seconds of the answered calls.
    pub answered_secs: u64,
    /// Attempts whose post-dial delay is known (they rang).
    pub pdd_calls: u64,
    /// Sum of those delays, in milliseconds.
    pub pdd_ms: u64,
}

/// Quality figures of [`CallCounts`]; `None` where there is nothing to divide by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Answered / attempts, percent with one decimal place.
    pub asr_percent: Option<f64>,
    /// Connected seconds / answered calls, whole seconds rounded half up.
    pub acd_secs: Option<u64>,
    /// (answered + user failures) / attempts, percent with one decimal place.
    pub ner_percent: Option<f64>,
    /// Connected minutes, rounded down.
    pub minutes: u64,
    /// Mean post-dial delay of the calls that rang, whole milliseconds rounded half up.
    pub pdd_ms: Option<u64>,
}

/// Percent of `part` in `whole` to one decimal place (a ratio for people, not money: f64 is
/// fine here).
fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64) * 1000.0 / (whole as f64)).round() / 10.0)
}

impl CallCounts {
    /// The quality figures of these counts.
    pub fn quality(self) -> Quality {
        Quality {
            asr_percent: percent(self.answered, self.attempts),
            acd_secs: (self.answered > 0)
                .then(|| (self.answered_secs + self.answered / 2) / self.answered),
            ner_percent: percent(self.answered + self.user_failures, self.attempts),
            minutes: self.answered_secs / 60,
            pdd_ms: (self.pdd_calls > 0)
                .then(|| (self.pdd_ms + self.pdd_calls / 2) / self.pdd_calls),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asr_acd_and_ner_from_counts() {
        // 10 attempts: 4 answered for 600 s in all, 3 busy or unanswered at the callee, 3
        // network failures.
        let q = CallCounts {
            attempts: 10,
            answered: 4,
            user_failures: 3,
            answered_secs: 600,
            pdd_calls: 4,
            pdd_ms: 9_001,
        }
        .quality();
        assert_eq!(q.asr_percent, Some(40.0));
        assert_eq!(q.acd_secs, Some(150));
        assert_eq!(q.ner_percent, Some(70.0));
        assert_eq!(q.minutes, 10);
        // 9,001 ms over 4 calls that rang: 2,250.25 ms, so 2,250 ms.
        assert_eq!(q.pdd_ms, Some(2_250));
        // 2 of 3 is 66.7 %; 61 s over 2 calls rounds to 31 s.
        let q = CallCounts {
            attempts: 3,
            answered: 2,
            user_failures: 0,
            answered_secs: 61,
            ..CallCounts::default()
        }
        .quality();
        assert_eq!(q.asr_percent, Some(66.7));
        assert_eq!(q.acd_secs, Some(31));
        assert_eq!(CallCounts::default().quality().asr_percent, None);
        assert_eq!(CallCounts::default().quality().acd_secs, None);
        assert_eq!(q.pdd_ms, None);
    }
}
