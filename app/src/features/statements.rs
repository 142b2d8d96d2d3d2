//! Statements (invoices of a period): the Customer portal's Billing > Statements, where a
//! customer asks for the statement of a period and downloads its PDF, and Super Admin's
//! Customers > Statements, for any customer. The `billing.statement` job draws them.

pub mod api;
pub mod pages;
