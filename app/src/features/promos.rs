//! Promo (bonus) codes in Super Admin > Customers > Promo codes: create a code (a percentage or
//! a fixed bonus on top-ups, minimum, cap, validity, use limits, customer category), turn it
//! on or off, and see how often it was used and what bonus it gave.

pub mod api;
pub mod pages;
