use crate::features::users::dto::ActivityRow;
use serde::{Deserialize, Serialize};

/// A carrier as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// ISO 4217 code of its decks.
    pub currency: String,
    /// `active`, `testing` or `disabled`.
    pub status: String,
    /// Technical prefix, may be empty.
    pub technical_prefix: String,
    /// Calls per second limit, 0 for none.
    pub max_cps: i32,
    /// Channel limit, 0 for none.
    pub max_channels: i32,
    /// Trunks in all.
    pub trunks: u64,
    /// Enabled trunks.
    pub enabled_trunks: u64,
    /// Last change, `YYYY-MM-DD HH:MM UTC`.
    pub updated_at: String,
}

/// One page of carriers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierPage {
    /// Rows of this page.
    pub rows: Vec<CarrierRow>,
    /// Carriers matching the filters on all pages.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

/// The carrier form's values (limits as text, so a bad value can be shown back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierForm {
    /// Name.
    pub name: String,
    /// ISO 4217 code.
    pub currency: String,
    /// `active`, `testing` or `disabled`.
    pub status: String,
    /// Digits, `#`, `*`.
    pub technical_prefix: String,
    /// Calls per second, 0 for no limit.
    pub max_cps: String,
    /// Channels, 0 for no limit.
    pub max_channels: String,
    /// NOC e-mail.
    pub noc_email: String,
    /// Rates e-mail.
    pub rates_email: String,
    /// Billing e-mail.
    pub billing_email: String,
    /// Internal notes.
    pub notes: String,
}

/// A trunk as the carrier page shows it (never its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// IP address or host name.
    pub host: String,
    /// Port.
    pub port: i32,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Its SIP URI, e.g. `sip:203.0.113.10:5060;transport=udp`.
    pub address: String,
    /// Digest user name, empty for IP authentication.
    pub username: String,
    /// Codecs, comma-separated, in preference order.
    pub codecs: String,
    /// Whether calls may be sent to it.
    pub enabled: bool,
}

/// Everything the carrier page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierDetail {
    /// Id.
    pub id: i64,
    /// The stored values.
    pub form: CarrierForm,
    /// Its trunks, by name.
    pub trunks: Vec<TrunkRow>,
    /// Its rate decks, newest first.
    pub decks: Vec<crate::features::decks::dto::DeckRow>,
    /// Its portal users (role `carrier`), by e-mail; shown to staff only.
    pub users: Vec<crate::features::users::dto::UserRow>,
    /// Audit entries about it, newest first.
    pub activity: Vec<ActivityRow>,
    /// Its traffic quality from the CDRs: totals, per day, per hour, per destination, per
    /// customer.
    pub quality: Vec<QualitySection>,
}

/// A table of the quality tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualitySection {
    /// `Per day, last 14 days`.
    pub title: String,
    /// The first column's heading: `Day (UTC)`, `Destination`.
    pub column: String,
    /// Its rows.
    pub rows: Vec<QualityRow>,
}

/// A carrier's traffic quality over one period, day, hour, destination or customer, from its
/// CDRs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityRow {
    /// `Last 24 hours`, `2026-11-30`, `2026-11-30 16:00`, `Afghanistan`, a customer.
    pub period: String,
    /// Call attempts.
    pub attempts: u64,
    /// Answered calls.
    pub answered: u64,
    /// ASR, `52.4 %`, or `–` without attempts.
    pub asr: String,
    /// ACD, `95 s`, or `–` without answered calls.
    pub acd: String,
    /// NER, `98.1 %`, or `–`.
    pub ner: String,
    /// Mean post-dial delay, `2.3 s`, or `–` when no call reported when it rang.
    pub pdd: String,
    /// Connected minutes.
    pub minutes: u64,
}

#[cfg(feature = "ssr")]
impl QualityRow {
    /// The row of `counts` labelled `period`.
    pub fn new(period: String, counts: domain::quality::CallCounts) -> Self {
        let q = counts.quality();
        let percent = |p: Option<f64>| p.map_or_else(|| "–".to_owned(), |p| format!("{p:.1} %"));
        QualityRow {
            period,
            attempts: counts.attempts,
            answered: counts.answered,
            asr: percent(q.asr_percent),
            acd: q
                .acd_secs
                .map_or_else(|| "–".to_owned(), |s| format!("{s} s")),
            ner: percent(q.ner_percent),
            pdd: q.pdd_ms.map_or_else(
                || "–".to_owned(),
                |ms| format!("{}.{} s", ms / 1000, (ms % 1000 + 50) / 100 % 10),
            ),
            minutes: q.minutes,
        }
    }
}
