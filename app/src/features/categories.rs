//! Super Admin > Customers > Categories & groups: create, rename, delete categories and the
//! groups within them, with their customer counts.

pub mod api;
pub mod pages;
