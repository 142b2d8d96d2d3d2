//! Signing in and out.

pub mod api;
pub mod pages;
