//! Re-rating in Super Admin (Carriers > Re-rating): a dry run of a period after a deck or card
//! fix, what it would change per customer and per call, and applying it.

pub mod api;
pub mod pages;
