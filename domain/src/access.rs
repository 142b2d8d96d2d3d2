//! Roles and portals: who may open which part of the platform.
//!
//! Every user has exactly one [`Role`]; each role lands in one [`Portal`]. The server checks the
//! role on every page and server function; the browser only uses these rules to hide what the
//! server would refuse anyway.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role. Stored as its [`Role::as_str`] name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The operator: everything, in every tenant.
    SuperAdmin,
    /// Operator staff: the Super Admin portal, without managing other staff.
    Admin,
    /// A customer's user: buys termination, DIDs, PBX and the rest, prepaid.
    Customer,
    /// A carrier's user: uploads rate decks, sees its traffic and invoices.
    Carrier,
    /// Runs the Class 4 softswitch: trunks, routing, LCR, monitoring.
    SwitchOperator,
}

/// The error of [`Role::from_str`]: the text names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}`: expected one of super_admin, admin, customer, carrier, switch_operator"
)]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, in the order pages list them.
    pub const ALL: [Role; 5] = [
        Role::SuperAdmin,
        Role::Admin,
        Role::Customer,
        Role::Carrier,
        Role::SwitchOperator,
    ];

    /// The stored and serialised name, e.g. `"switch_operator"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::Customer => "customer",
            Role::Carrier => "carrier",
            Role::SwitchOperator => "switch_operator",
        }
    }

    /// A name for people, e.g. `"Switch operator"`.
    pub fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "Super admin",
            Role::Admin => "Admin (staff)",
            Role::Customer => "Customer",
            Role::Carrier => "Carrier",
            Role::SwitchOperator => "Switch operator",
        }
    }

    /// The portal this role lands in after signing in.
    pub fn portal(self) -> Portal {
        match self {
            Role::SuperAdmin | Role::Admin => Portal::Admin,
            Role::Customer => Portal::Customer,
            Role::Carrier => Portal::Carrier,
            Role::SwitchOperator => Portal::Switch,
        }
    }

    /// Operator staff (super admin and admin).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::Admin)
    }

    /// Whether a user with this role may create, disable or reset the password of a user with
    /// role `target`. The super admin manages everyone; staff manage the non-staff roles only.
    pub fn may_manage(self, target: Role) -> bool {
        match self {
            Role::SuperAdmin => true,
            Role::Admin => !target.is_staff(),
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// One of the four portals of the shell; each lives under its own path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Portal {
    /// Super Admin, under `/admin`.
    Admin,
    /// Customer, under `/customer`.
    Customer,
    /// Carrier, under `/carrier`.
    Carrier,
    /// Class 4 Softswitch, under `/switch`.
    Switch,
}

impl Portal {
    /// Every portal.
    pub const ALL: [Portal; 4] = [
        Portal::Admin,
        Portal::Customer,
        Portal::Carrier,
        Portal::Switch,
    ];

    /// The path prefix, e.g. `"/admin"`.
    pub fn base_path(self) -> &'static str {
        match self {
            Portal::Admin => "/admin",
            Portal::Customer => "/customer",
            Portal::Carrier => "/carrier",
            Portal::Switch => "/switch",
        }
    }

    /// The portal's name in the header, e.g. `"Super Admin"`.
    pub fn title(self) -> &'static str {
        match self {
            Portal::Admin => "Super Admin",
            Portal::Customer => "Customer",
            Portal::Carrier => "Carrier",
            Portal::Switch => "Softswitch",
        }
    }

    /// The portal that owns `path`, if any (`/admin/users` -> `Admin`; `/login` -> `None`).
    pub fn of_path(path: &str) -> Option<Portal> {
        Portal::ALL.into_iter().find(|p| {
            let base = p.base_path();
            path == base
                || path
                    .strip_prefix(base)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// Whether a user with `role` may open this portal.
    pub fn admits(self, role: Role) -> bool {
        role.portal() == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(
            "root".parse::<Role>().unwrap_err().to_string(),
            "unknown role `root`: expected one of super_admin, admin, customer, carrier, switch_operator"
        );
    }

    #[test]
    fn each_role_lands_in_its_own_portal() {
        assert_eq!(Role::SuperAdmin.portal(), Portal::Admin);
        assert_eq!(Role::Admin.portal(), Portal::Admin);
        assert_eq!(Role::Customer.portal(), Portal::Customer);
        assert_eq!(Role::Carrier.portal(), Portal::Carrier);
        assert_eq!(Role::SwitchOperator.portal(), Portal::Switch);
        assert!(!Portal::Admin.admits(Role::Customer));
    }

    #[test]
    fn paths_map_to_portals_only_on_segment_boundaries() {
        assert_eq!(Portal::of_path("/admin"), Some(Portal::Admin));
        assert_eq!(Portal::of_path("/admin/users/3"), Some(Portal::Admin));
        assert_eq!(Portal::of_path("/administrator"), None);
        assert_eq!(Portal::of_path("/switch/"), Some(Portal::Switch));
        assert_eq!(Portal::of_path("/login"), None);
    }

    #[test]
    fn staff_manage_only_non_staff() {
        assert!(Role::SuperAdmin.may_manage(Role::Admin));
        assert!(Role::Admin.may_manage(Role::Customer));
        assert!(!Role::Admin.may_manage(Role::SuperAdmin));
        assert!(!Role::Admin.may_manage(Role::Admin));
        assert!(!Role::Customer.may_manage(Role::Customer));
    }
}
