//! Super Admin > Customers > Feature assignment: which features go to all customers, to
//! categories, to groups or to named customers.

pub mod api;
pub mod pages;
