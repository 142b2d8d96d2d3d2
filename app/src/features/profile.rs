//! The signed-in user's own profile: details, password change, theme.

pub mod api;
pub mod pages;
