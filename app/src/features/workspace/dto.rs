use domain::access::Role;
use serde::{Deserialize, Serialize};

/// What the shell needs to draw itself for the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellState {
    /// The user's id.
    pub user_id: i64,
    /// The user's e-mail.
    pub email: String,
    /// The user's name.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// Open workspace tabs, as paths, in order.
    pub tabs: Vec<String>,
    /// Whether the submenu is collapsed.
    pub submenu_collapsed: bool,
    /// The customer features the user has (empty for staff and other roles).
    pub features: Vec<domain::features::Feature>,
    /// The tenant's brand name, shown in the header.
    pub brand_name: String,
    /// Whether the tenant has its own logo (served at `/brand/logo`).
    pub has_logo: bool,
}
