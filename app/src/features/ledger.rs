//! The prepaid ledger in the portals: a customer's balance, credit limit and entries (filters,
//! pages, CSV export) on the Customer portal's Balance page and on the Balance tab of a
//! customer's page in Super Admin, where staff also post manual entries (a payment received
//! outside the platform, a refund, a bonus, a correction), each with a reason.

pub mod api;
pub mod pages;
