//! The users pages.

pub mod detail;
pub mod list;
pub mod new;
pub mod portal_users;
