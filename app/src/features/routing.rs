//! Quality tiers (routing plans) and the LCR tester, in the Super Admin and Softswitch portals.

pub mod api;
pub mod pages;
