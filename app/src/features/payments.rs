//! Top-ups through payment providers: the Customer portal's Top up page (amount, method, the
//! provider's hosted payment page, the customer's payments and their states) and Super Admin's
//! Payments list. Money moves only from the provider's signed webhook (`services::payments`).

pub mod api;
pub mod pages;
