//! Carrier rate decks in the Super Admin and Softswitch portals: the Rate decks tab of a carrier
//! (history and upload) and a deck's page (preview and column mapping, import progress, rate
//! changes, refused rows, rates, activation).

pub mod api;
pub mod dto;
pub mod pages;
