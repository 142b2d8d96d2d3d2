//! The typed registry of job kinds, grouped in the seven categories of domain.md. Each kind has
//! a payload (validated at enqueue, naming the bad field), a number of attempts and a timeout.
//! The System kinds, the rate-card kinds and the balance check; later features add theirs here.

use crate::error::{FieldError, ServiceError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::time::Duration;

/// The job categories of domain.md; each is one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobCategory {
    /// Import/export decks, generate sell rates, publish rate changes.
    RateCards,
    /// Platform sync with ConnexCS.
    ConnexcsSync,
    /// DID inventory, provisioning, KYC follow-up.
    DidManagement,
    /// Rating CDRs, DID charges, low balance, statements.
    Billing,
    /// E-mail, webhooks, social posts.
    Communications,
    /// AI agents and analysis.
    AiVoice,
    /// FX rates, SIP tests, cleanup, health.
    System,
}

impl JobCategory {
    /// Every category, in dashboard order.
    pub const ALL: [JobCategory; 7] = [
        JobCategory::RateCards,
        JobCategory::ConnexcsSync,
        JobCategory::DidManagement,
        JobCategory::Billing,
        JobCategory::Communications,
        JobCategory::AiVoice,
        JobCategory::System,
    ];

    /// The queue's name, e.g. `system`.
    pub fn queue(self) -> &'static str {
        match self {
            JobCategory::RateCards => "rate_cards",
            JobCategory::ConnexcsSync => "connexcs_sync",
            JobCategory::DidManagement => "did_management",
            JobCategory::Billing => "billing",
            JobCategory::Communications => "communications",
            JobCategory::AiVoice => "ai_voice",
            JobCategory::System => "system",
        }
    }

    /// The name on the dashboard.
    pub fn title(self) -> &'static str {
        match self {
            JobCategory::RateCards => "Rate cards",
            JobCategory::ConnexcsSync => "ConnexCS sync",
            JobCategory::DidManagement => "DID management",
            JobCategory::Billing => "Billing",
            JobCategory::Communications => "Communications",
            JobCategory::AiVoice => "AI voice",
            JobCategory::System => "System",
        }
    }
}

/// A kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobKind {
    /// Fetch the latest exchange rates from Open Exchange Rates and store them.
    RefreshFxRates,
    /// Delete expired sessions and old finished-job progress.
    Cleanup,
    /// Check that the database (and Redis, when configured) answer.
    HealthProbe,
    /// Wait a number of seconds reporting progress, then record once per job that it ran (load
    /// and crash tests, and trying the dashboard's controls).
    Noop,
    /// Import an uploaded carrier rate deck: rows, refused rows, rate-change report.
    ImportDeck,
    /// Write an imported rate deck out as CSV or XLSX to object storage.
    ExportDeck,
    /// Price a sell rate card from the buy decks of its tier's carriers.
    GenerateSellCard,
    /// Open a low-balance or calls-stopped alert once per crossing (notice e-mail queued) and
    /// close the crossings that are over.
    CheckBalances,
    /// Ingest, rate and charge an uploaded CDR file in batches, with progress.
    RateCdrs,
    /// Draw a customer's statement of a period as a PDF and give it its invoice number.
    Statement,
    /// Compute a queued re-rating's dry run, with progress.
    Rerate,
}

/// A job kind key that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job kind `{0}`")]
pub struct UnknownJobKind(pub String);

/// Payload of [`JobKind::RefreshFxRates`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshFxRates {
    /// Base currency (ISO 4217); the `fx.base_currency` setting when absent.
    #[serde(default)]
    pub base: Option<String>,
}

/// Payload of [`JobKind::Cleanup`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cleanup {
    /// Delete job progress older than this many days; `jobs.retention_days` when absent.
    #[serde(default)]
    pub older_than_days: Option<u32>,
}

/// Payload of [`JobKind::Noop`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noop {
    /// Seconds to wait before finishing (0 to 600), reporting progress each second.
    #[serde(default)]
    pub seconds: u32,
}

/// Longest wait a [`Noop`] may ask for, in seconds.
pub const NOOP_MAX_SECONDS: u32 = 600;

/// Payload of [`JobKind::CheckBalances`]: nothing (every tenant's customers are checked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBalances {}

/// Payload of [`JobKind::HealthProbe`]: nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthProbe {}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 11] = [
        JobKind::RefreshFxRates,
        JobKind::Cleanup,
        JobKind::HealthProbe,
        JobKind::Noop,
        JobKind::ImportDeck,
        JobKind::ExportDeck,
        JobKind::GenerateSellCard,
        JobKind::CheckBalances,
        JobKind::RateCdrs,
        JobKind::Statement,
        JobKind::Rerate,
    ];

    /// The stable key, e.g. `system.refresh_fx_rates`.
    pub fn key(self) -> &'static str {
        match self {
            JobKind::RefreshFxRates => "system.refresh_fx_rates",
            JobKind::Cleanup => "system.cleanup",
            JobKind::HealthProbe => "system.health_probe",
            JobKind::Noop => "system.noop",
            JobKind::ImportDeck => "rate_cards.import_deck",
            JobKind::ExportDeck => "rate_cards.export_deck",
            JobKind::GenerateSellCard => "rate_cards.generate_sell_card",
            JobKind::CheckBalances => "billing.check_balances",
            JobKind::RateCdrs => "billing.rate_cdrs",
            JobKind::Statement => "billing.statement",
            JobKind::Rerate => "billing.rerate",
        }
    }

    /// Its category (and queue).
    pub fn category(self) -> JobCategory {
        match self {
            JobKind::ImportDeck | JobKind::ExportDeck | JobKind::GenerateSellCard => {
                JobCategory::RateCards
            }
            JobKind::CheckBalances | JobKind::RateCdrs | JobKind::Statement | JobKind::Rerate => {
                JobCategory::Billing
            }
            _ => JobCategory::System,
        }
    }

    /// What it does, for the dashboard.
    pub fn description(self) -> &'static str {
        match self {
            JobKind::RefreshFxRates => {
                "Fetch the latest exchange rates (Open Exchange Rates) and store them"
            }
            JobKind::Cleanup => "Delete expired sessions and old job progress",
            JobKind::HealthProbe => "Check that the database and Redis answer",
            JobKind::Noop => {
                "Wait `seconds` reporting progress, then record once that the job ran (tests)"
            }
            JobKind::ImportDeck => {
                "Import an uploaded carrier rate deck: its rates, refused rows and rate-change report"
            }
            JobKind::ExportDeck => "Write an imported rate deck out as CSV or XLSX, to download",
            JobKind::GenerateSellCard => {
                "Price a sell rate card from the decks in force of its tier's carriers"
            }
            JobKind::CheckBalances => {
                "Alert customers once when their balance falls below their threshold or their calls stop (e-mail queued)"
            }
            JobKind::RateCdrs => {
                "Ingest an uploaded CDR file in batches: store, rate and charge each call once"
            }
            JobKind::Statement => {
                "Draw a customer's statement of a period as a PDF and number it (no gaps)"
            }
            JobKind::Rerate => {
                "Re-rate a period's calls as a dry run: what each customer's calls would be charged now"
            }
        }
    }

    /// How many times it runs at most (first run included).
    pub fn max_attempts(self) -> usize {
        match self {
            JobKind::RefreshFxRates => 5,
            JobKind::Cleanup => 3,
            JobKind::HealthProbe => 1,
            JobKind::Noop => 5,
            // A failed import is shown on the deck, to be started again by its user.
            JobKind::ImportDeck => 1,
            // A failed export says why on the deck's page; its user starts another.
            JobKind::ExportDeck => 1,
            JobKind::GenerateSellCard => 1,
            // The next scheduled run picks up what this one missed.
            JobKind::CheckBalances => 1,
            // A retry goes on after the last batch stored (CDRs are stored once per call id).
            JobKind::RateCdrs => 3,
            // Nothing is numbered or stored as done until the last step commits.
            JobKind::Statement => 3,
            // A retry starts the dry run over; nothing outside the run's rows changes.
            JobKind::Rerate => 3,
        }
    }

    /// How long one run may take before it is abandoned (and retried).
    pub fn timeout(self) -> Duration {
        match self {
            JobKind::RefreshFxRates => Duration::from_secs(60),
            JobKind::Cleanup => Duration::from_secs(300),
            JobKind::HealthProbe => Duration::from_secs(15),
            JobKind::Noop => Duration::from_secs(u64::from(NOOP_MAX_SECONDS) + 30),
            JobKind::ImportDeck => Duration::from_secs(1800),
            JobKind::ExportDeck => Duration::from_secs(1800),
            JobKind::GenerateSellCard => Duration::from_secs(1800),
            JobKind::CheckBalances => Duration::from_secs(300),
            JobKind::RateCdrs => Duration::from_secs(3600),
            JobKind::Statement => Duration::from_secs(600),
            JobKind::Rerate => Duration::from_secs(3600),
        }
    }

    /// Why this kind cannot run with `settings` (a provider without credentials), when it
    /// cannot: scheduled runs are then skipped instead of failing every time.
    pub fn not_configured(self, settings: &crate::settings::Settings) -> Option<String> {
        use secrecy::ExposeSecret as _;
        match self {
            JobKind::RefreshFxRates if settings.fx.app_id.expose_secret().is_empty() => {
                Some("Open Exchange Rates is not configured (set fx.app_id)".to_owned())
            }
            _ => None,
        }
    }

    /// An example payload (also the default when triggered with `{}`).
    pub fn example_payload(self) -> serde_json::Value {
        match self {
            JobKind::RefreshFxRates => serde_json::json!({ "base": "USD" }),
            JobKind::Cleanup => serde_json::json!({ "older_than_days": 30 }),
            JobKind::HealthProbe => serde_json::json!({}),
            JobKind::Noop => serde_json::json!({ "seconds": 0 }),
            JobKind::ImportDeck => serde_json::json!({ "deck_id": 1 }),
            JobKind::ExportDeck => serde_json::json!({ "export_id": 1 }),
            JobKind::GenerateSellCard => serde_json::json!({ "card_id": 1 }),
            JobKind::CheckBalances => serde_json::json!({}),
            JobKind::RateCdrs => serde_json::json!({ "file_id": 1 }),
            JobKind::Statement => serde_json::json!({ "statement_id": 1 }),
            JobKind::Rerate => serde_json::json!({ "rerate_id": 1 }),
        }
    }

    /// Checks `payload` against this kind's payload type and returns it normalised.
    ///
    /// # Errors
    /// `Validation` on `payload.<path>` (e.g. `payload.older_than_days`) with serde's reason.
    pub fn validate(self, payload: serde_json::Value) -> Result<serde_json::Value, ServiceError> {
        match self {
            JobKind::RefreshFxRates => {
                let p: RefreshFxRates = typed(payload)?;
                if let Some(base) = &p.base
                    && domain::money::parse_currency(base).is_err()
                {
                    return Err(ServiceError::field(
                        "payload.base",
                        &format!("`{base}` is not an ISO 4217 currency code"),
                    ));
                }
                Ok(serde_json::to_value(p).unwrap_or_default())
            }
            JobKind::Cleanup => {
                let p: Cleanup = typed(payload)?;
                if p.older_than_days == Some(0) {
                    return Err(ServiceError::field(
                        "payload.older_than_days",
                        "must be at least 1",
                    ));
                }
                Ok(serde_json::to_value(p).unwrap_or_default())
            }
            JobKind::HealthProbe => {
                Ok(serde_json::to_value(typed::<HealthProbe>(payload)?).unwrap_or_default())
            }
            JobKind::Noop => {
                let p: Noop = typed(payload)?;
                if p.seconds > NOOP_MAX_SECONDS {
                    return Err(ServiceError::field(
                        "payload.seconds",
                        &format!("must be at most {NOOP_MAX_SECONDS}"),
                    ));
                }
                Ok(serde_json::to_value(p).unwrap_or_default())
            }
            JobKind::ImportDeck => Ok(serde_json::to_value(typed::<crate::decks::ImportDeckJob>(
                payload,
            )?)
            .unwrap_or_default()),
            JobKind::ExportDeck => Ok(serde_json::to_value(typed::<crate::decks::ExportDeckJob>(
                payload,
            )?)
            .unwrap_or_default()),
            JobKind::GenerateSellCard => Ok(serde_json::to_value(typed::<
                crate::sell_cards::GenerateSellCardJob,
            >(payload)?)
            .unwrap_or_default()),
            JobKind::CheckBalances => {
                Ok(serde_json::to_value(typed::<CheckBalances>(payload)?).unwrap_or_default())
            }
            JobKind::RateCdrs => Ok(serde_json::to_value(typed::<
                crate::cdrs::file_jobs::RateCdrsJob,
            >(payload)?)
            .unwrap_or_default()),
            JobKind::Statement => Ok(serde_json::to_value(
                typed::<crate::statements::StatementJob>(payload)?,
            )
            .unwrap_or_default()),
            JobKind::Rerate => Ok(serde_json::to_value(typed::<
                crate::cdrs::rerate::job::RerateJob,
            >(payload)?)
            .unwrap_or_default()),
        }
    }
}

/// Deserialises `payload` into `T`, naming the path of the first bad field.
pub(crate) fn typed<T: DeserializeOwned>(payload: serde_json::Value) -> Result<T, ServiceError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "payload".to_owned()
        } else {
            format!("payload.{path}")
        };
        ServiceError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
    })
}

impl FromStr for JobKind {
    type Err = UnknownJobKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobKind::ALL
            .into_iter()
            .find(|k| k.key() == s.trim())
            .ok_or_else(|| UnknownJobKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(err: ServiceError) -> String {
        match err {
            ServiceError::Validation(f) => format!("{}: {}", f[0].field, f[0].message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payloads_are_checked_and_bad_fields_named() {
        assert_eq!(
            JobKind::Cleanup.validate(json!({})).unwrap(),
            json!({ "older_than_days": null })
        );
        let e = field(
            JobKind::Cleanup
                .validate(json!({ "older_than_days": "ten" }))
                .unwrap_err(),
        );
        assert!(
            e.starts_with("payload.older_than_days: invalid type"),
            "{e}"
        );
        let e = field(JobKind::Cleanup.validate(json!({ "days": 3 })).unwrap_err());
        assert!(e.contains("unknown field `days`"), "{e}");
        let e = field(
            JobKind::RefreshFxRates
                .validate(json!({ "base": "EURO" }))
                .unwrap_err(),
        );
        assert!(e.starts_with("payload.base"), "{e}");
        for kind in JobKind::ALL {
            assert_eq!(kind.key().parse::<JobKind>(), Ok(kind));
            kind.validate(kind.example_payload()).unwrap();
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        for attempt in 1..20 {
            let full = (2u64 << (attempt - 1).min(16)).min(600);
            let d = crate::jobs::backoff(attempt).as_secs_f64();
            assert!(
                d >= full as f64 / 2.0 - 1e-9 && d <= full as f64 + 1e-9,
                "{attempt}: {d}"
            );
        }
    }
}
