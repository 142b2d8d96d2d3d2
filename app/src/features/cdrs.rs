//! Call detail records in the portals: the operator's CDR list (Super Admin and Softswitch),
//! with the CSV upload and the unrated calls and their reasons, and the customer's own calls.

pub mod api;
pub mod pages;
