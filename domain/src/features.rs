//! The catalogue of customer features and the rule that decides whether a customer has one.
//!
//! A feature is assigned to all customers of a tenant, to a customer category, to a group within a
//! category, or to a named customer; a customer has it when any assignment matches. The customer
//! portal shows only assigned features and the server refuses the others (403).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A feature of the customer portal and API that can be sold to some customers and not others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Voice termination on the Premium tier (CLI, direct routes).
    VoicePremium,
    /// Voice termination on the Standard tier.
    VoiceStandard,
    /// Voice termination on the Economy tier (non-CLI).
    VoiceEconomy,
    /// Inbound numbers (DIDs) with KYC.
    Dids,
    /// Cloud PBX (Class 5): extensions, IVRs, queues.
    CloudPbx,
    /// AI voice agents.
    AiAgents,
    /// The SIP tester (OPTIONS pings and test calls).
    SipTester,
    /// API keys and the REST API (`/api/v1`).
    ApiAccess,
    /// Outgoing webhooks.
    Webhooks,
    /// The referral programme.
    Referrals,
}

impl Feature {
    /// Every feature, in catalogue order.
    pub const ALL: [Feature; 10] = [
        Feature::VoicePremium,
        Feature::VoiceStandard,
        Feature::VoiceEconomy,
        Feature::Dids,
        Feature::CloudPbx,
        Feature::AiAgents,
        Feature::SipTester,
        Feature::ApiAccess,
        Feature::Webhooks,
        Feature::Referrals,
    ];

    /// The stable key stored in assignments, e.g. `api_access`.
    pub fn key(self) -> &'static str {
        match self {
            Feature::VoicePremium => "voice_premium",
            Feature::VoiceStandard => "voice_standard",
            Feature::VoiceEconomy => "voice_economy",
            Feature::Dids => "dids",
            Feature::CloudPbx => "cloud_pbx",
            Feature::AiAgents => "ai_agents",
            Feature::SipTester => "sip_tester",
            Feature::ApiAccess => "api_access",
            Feature::Webhooks => "webhooks",
            Feature::Referrals => "referrals",
        }
    }

    /// The name shown to operators, e.g. `API access`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::VoicePremium => "Voice termination: Premium",
            Feature::VoiceStandard => "Voice termination: Standard",
            Feature::VoiceEconomy => "Voice termination: Economy",
            Feature::Dids => "DIDs",
            Feature::CloudPbx => "Cloud PBX",
            Feature::AiAgents => "AI voice agents",
            Feature::SipTester => "SIP tester",
            Feature::ApiAccess => "API access",
            Feature::Webhooks => "Webhooks",
            Feature::Referrals => "Referral programme",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A feature key that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown feature `{0}`: expected one of voice_premium, voice_standard, voice_economy, dids, cloud_pbx, ai_agents, sip_tester, api_access, webhooks, referrals"
)]
pub struct UnknownFeature(pub String);

impl FromStr for Feature {
    type Err = UnknownFeature;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Feature::ALL
            .into_iter()
            .find(|f| f.key() == s.trim())
            .ok_or_else(|| UnknownFeature(s.to_owned()))
    }
}

/// Who an assignment gives a feature to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Audience {
    /// Every customer of the tenant.
    All,
    /// The customers of this category (by id).
    Category(i64),
    /// The customers of this group (by id).
    Group(i64),
    /// One customer (by id).
    Customer(i64),
}

impl Audience {
    /// The stored scope name: `all`, `category`, `group` or `customer`.
    pub fn scope(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Category(_) => "category",
            Audience::Group(_) => "group",
            Audience::Customer(_) => "customer",
        }
    }

    /// The stored target id (0 for [`Audience::All`]).
    pub fn target_id(self) -> i64 {
        match self {
            Audience::All => 0,
            Audience::Category(id) | Audience::Group(id) | Audience::Customer(id) => id,
        }
    }

    /// Rebuilds an audience from its stored scope and target id; `None` for an unknown scope.
    pub fn from_stored(scope: &str, target_id: i64) -> Option<Audience> {
        match scope {
            "all" => Some(Audience::All),
            "category" => Some(Audience::Category(target_id)),
            "group" => Some(Audience::Group(target_id)),
            "customer" => Some(Audience::Customer(target_id)),
            _ => None,
        }
    }

    /// Whether this audience includes `customer`.
    pub fn includes(self, customer: &CustomerPlacement) -> bool {
        match self {
            Audience::All => true,
            Audience::Category(id) => customer.category_id == Some(id),
            Audience::Group(id) => customer.group_id == Some(id),
            Audience::Customer(id) => customer.customer_id == id,
        }
    }
}

/// Where a customer sits: its id, category and group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerPlacement {
    /// The customer's id.
    pub customer_id: i64,
    /// Its category, if any.
    pub category_id: Option<i64>,
    /// Its group within the category, if any.
    pub group_id: Option<i64>,
}

/// The features `customer` has, given the tenant's assignments (feature, audience), in catalogue
/// order without repeats.
pub fn features_of(
    assignments: &[(Feature, Audience)],
    customer: &CustomerPlacement,
) -> Vec<Feature> {
    let mut found: Vec<Feature> = assignments
        .iter()
        .filter(|(_, audience)| audience.includes(customer))
        .map(|(feature, _)| *feature)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_keys_are_named() {
        for f in Feature::ALL {
            assert_eq!(f.key().parse::<Feature>(), Ok(f));
        }
        let err = "fax".parse::<Feature>().unwrap_err();
        assert!(err.to_string().contains("`fax`"));
    }

    #[test]
    fn a_customer_has_what_its_audiences_give() {
        let me = CustomerPlacement {
            customer_id: 7,
            category_id: Some(1),
            group_id: Some(10),
        };
        let other = CustomerPlacement {
            customer_id: 8,
            category_id: Some(2),
            group_id: None,
        };
        let assignments = [
            (Feature::Dids, Audience::All),
            (Feature::CloudPbx, Audience::Category(1)),
            (Feature::SipTester, Audience::Group(10)),
            (Feature::ApiAccess, Audience::Customer(7)),
            (Feature::Webhooks, Audience::Customer(8)),
            (Feature::Dids, Audience::Customer(7)),
        ];
        assert_eq!(
            features_of(&assignments, &me),
            vec![
                Feature::Dids,
                Feature::CloudPbx,
                Feature::SipTester,
                Feature::ApiAccess
            ]
        );
        assert_eq!(
            features_of(&assignments, &other),
            vec![Feature::Dids, Feature::Webhooks]
        );
        assert!(features_of(&[], &me).is_empty());
    }

    #[test]
    fn audiences_round_trip_through_storage() {
        for a in [
            Audience::All,
            Audience::Category(3),
            Audience::Group(4),
            Audience::Customer(5),
        ] {
            assert_eq!(Audience::from_stored(a.scope(), a.target_id()), Some(a));
        }
        assert_eq!(Audience::from_stored("planet", 1), None);
    }
}
