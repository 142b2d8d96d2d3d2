use domain::access::Role;
use serde::{Deserialize, Serialize};

/// A user as lists and detail pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// E-mail (sign-in name).
    pub email: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Creation time, `YYYY-MM-DD HH:MM UTC`.
    pub created_at: String,
    /// Last successful sign-in, `YYYY-MM-DD HH:MM UTC`.
    pub last_login_at: Option<String>,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    /// Rows of this page.
    pub rows: Vec<UserRow>,
    /// Users matching the filters on all pages.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

/// An audit entry as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRow {
    /// When, `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// Who (e-mail), or `system`.
    pub actor: String,
    /// What, e.g. `create`, `disable`, `sign_in`.
    pub action: String,
    /// On what, e.g. `user 7`.
    pub target: String,
    /// Changed fields, e.g. `disabled: false → true`.
    pub changes: String,
    /// From which IP.
    pub ip: Option<String>,
}

/// A user with its recent activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    /// The user.
    pub user: UserRow,
    /// Whether the viewer may disable it or reset its password.
    pub manageable: bool,
    /// Audit entries about this user and by this user, newest first.
    pub activity: Vec<ActivityRow>,
}
