//! SeaORM entities, one module per table, in the shape `sea-orm-cli generate entity` writes them.

pub mod api_keys;
pub mod audit_log;
pub mod carrier_trunks;
pub mod carriers;
pub mod customer_categories;
pub mod customer_groups;
pub mod customers;
pub mod destinations;
pub mod feature_assignments;
pub mod fx_rates;
pub mod job_progress;
pub mod rate_deck_changes;
pub mod rate_deck_errors;
pub mod rate_deck_exports;
pub mod rate_deck_rows;
pub mod rate_decks;
pub mod rate_notices;
pub mod routing_tiers;
pub mod routing_versions;
pub mod sell_card_rows;
pub mod sell_cards;
pub mod sessions;
pub mod tenant_domains;
pub mod tenants;
pub mod users;
