//! My account > API keys, in the Super Admin and Customer portals: create a key with scopes (its
//! secret is shown once), see when each was last used, revoke it. Customers need the API access
//! feature.

pub mod api;
pub mod pages;
