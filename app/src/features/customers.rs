//! Super Admin pages for customers: list with search, filters, sort, pages and CSV export; create;
//! detail with General, Billing, Users, Features and Activity tabs. Customer categories and groups
//! live in [`crate::features::categories`].

pub mod api;
pub mod dto;
pub mod pages;
