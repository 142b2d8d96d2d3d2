//! Feature modules: each has its server functions (`api.rs`), its transfer types (`dto.rs`) and
//! its pages. Portals assemble feature pages; features never import portals.

pub mod api_keys;
pub mod assignments;
pub mod audit;
pub mod carriers;
pub mod categories;
pub mod cdrs;
pub mod customers;
pub mod decks;
pub mod destinations;
pub mod docs;
pub mod jobs;
pub mod ledger;
pub mod overview;
pub mod payments;
pub mod profile;
pub mod promos;
pub mod referrals;
pub mod reports;
pub mod rerating;
pub mod routing;
pub mod search;
pub mod sell_cards;
pub mod sessions;
pub mod statements;
pub mod tenants;
pub mod users;
pub mod workspace;
