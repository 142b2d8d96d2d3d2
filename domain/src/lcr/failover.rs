//! Failover on SIP result codes: when a route fails, try the next one or stop.

use serde::{Deserialize, Serialize};

/// How an attempt on one route ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// A final SIP response code (200 answered, 486 busy, 503 unavailable...).
    Sip(u16),
    /// No final response before the switch's timer expired.
    Timeout,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailoverDecision {
    /// Try the next route of the plan.
    TryNext,
    /// Stop routing: answered, or the callee (not the route) gave the answer.
    Stop,
}

/// Codes that are the callee's answer, never redialled through another carrier: 486 Busy Here,
/// 480 Temporarily Unavailable, 404 Not Found, 603 Decline. Redialling them is a known defect of
/// some switches (issue 4).
pub const CALLEE_ANSWERS: [u16; 4] = [486, 480, 404, 603];

/// A tier's failover rules. Defaults: try the next route on any 5xx, 408 and timeouts; stop on
/// everything else. [`CALLEE_ANSWERS`] always stop, whatever the lists say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverPolicy {
    /// Try the next route on any 500-599 code.
    pub next_on_5xx: bool,
    /// Try the next route on a timeout.
    pub next_on_timeout: bool,
    /// Further codes that move to the next route (default `[408]`).
    pub next_on: Vec<u16>,
    /// Codes that stop even within 5xx (e.g. 503 from a carrier that means "number barred").
    pub stop_on: Vec<u16>,
}

impl Default for FailoverPolicy {
    fn default() -> Self {
        FailoverPolicy {
            next_on_5xx: true,
            next_on_timeout: true,
            next_on: vec![408],
            stop_on: Vec::new(),
        }
    }
}

impl FailoverPolicy {
    /// The decision after `outcome`.
    pub fn decide(&self, outcome: CallOutcome) -> FailoverDecision {
        let code = match outcome {
            CallOutcome::Timeout if self.next_on_timeout => return FailoverDecision::TryNext,
            CallOutcome::Timeout => return FailoverDecision::Stop,
            CallOutcome::Sip(code) => code,
        };
        if CALLEE_ANSWERS.contains(&code) || self.stop_on.contains(&code) || code < 300 {
            return FailoverDecision::Stop;
        }
        if (self.next_on_5xx && (500..600).contains(&code)) || self.next_on.contains(&code) {
            FailoverDecision::TryNext
        } else {
            FailoverDecision::Stop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_defaults() {
        let p = FailoverPolicy::default();
        for code in [500, 502, 503, 504, 408] {
            assert_eq!(
                p.decide(CallOutcome::Sip(code)),
                FailoverDecision::TryNext,
                "{code}"
            );
        }
        assert_eq!(p.decide(CallOutcome::Timeout), FailoverDecision::TryNext);
        for code in [200, 486, 480, 404, 603, 403, 484] {
            assert_eq!(
                p.decide(CallOutcome::Sip(code)),
                FailoverDecision::Stop,
                "{code}"
            );
        }
    }

    #[test]
    fn per_tier_lists_but_callee_answers_always_stop() {
        let p = FailoverPolicy {
            next_on: vec![408, 403, 486],
            stop_on: vec![503],
            ..FailoverPolicy::default()
        };
        assert_eq!(p.decide(CallOutcome::Sip(403)), FailoverDecision::TryNext);
        assert_eq!(p.decide(CallOutcome::Sip(503)), FailoverDecision::Stop);
        assert_eq!(p.decide(CallOutcome::Sip(486)), FailoverDecision::Stop);
    }
}
