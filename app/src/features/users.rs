//! Super Admin pages for users: list with search, filter, sort and pages; create; detail with
//! disable/enable, password reset and activity.

pub mod api;
pub mod dto;
pub mod pages;
