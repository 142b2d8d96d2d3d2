//! Sell rate cards: the operator's list, generation form and card page (review, publish) in
//! the Super Admin and Softswitch portals, and the customer's "My rates" page with the cards
//! of its tiers, their rates, the CSV download and the rate notices.

pub mod api;
pub mod pages;
