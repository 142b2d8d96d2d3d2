//! The dashboard each portal opens on.

pub mod api;
pub mod pages;
