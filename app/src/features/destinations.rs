//! The A-Z destination database page (Super Admin and Softswitch): search by prefix or name,
//! filter by type, and import an A-Z file (staff).

pub mod api;
pub mod pages;
