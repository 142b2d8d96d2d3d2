//! DIDTron's pure domain rules.
//!
//! Nothing here touches a database, the network, a clock or an async runtime, so every rule is
//! exact, tested in isolation and compiles to wasm for previews in the browser.
//!
//! The rating core (issue 4): [`money`] and [`number`] values, billing [`increment`]s, rate
//! [`deck`]s and their [`deck_import`] from CSV/XLSX, [`rating`] with itemised breakdowns,
//! effective-dated [`diff`]s, least-cost routing ([`lcr`]), [`sell`] rate generation and [`cdr`]
//! rating.

pub mod access;
pub mod cdr;
pub mod deck;
pub mod deck_import;
pub mod destinations;
pub mod diff;
pub mod features;
pub mod fx;
pub mod increment;
pub mod lcr;
pub mod ledger;
pub mod locale;
pub mod money;
pub mod number;
mod prefix_table;
pub mod promo;
pub mod quality;
pub mod rating;
pub mod referral;
pub mod sample;
pub mod sell;
