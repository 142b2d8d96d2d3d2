//! Carriers and their SIP trunks, in the Super Admin (`/admin/carriers`) and Softswitch
//! (`/switch/carriers`) portals.

pub mod api;
pub mod dto;
pub mod pages;
