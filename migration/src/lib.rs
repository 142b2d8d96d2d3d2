//! The schema of DIDTron, as an ordered list of migrations. Never edit a migration that has
//! shipped: add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_users;
mod m20261129_000002_create_sessions;
mod m20261129_000003_create_audit_log;
mod m20261129_000004_create_tenants_customers;
mod m20261129_000005_make_audit_log_append_only;
mod m20261129_000006_create_fx_rates_and_job_progress;
mod m20261129_000007_create_job_effects;
mod m20261130_000008_create_job_controls;
mod m20261130_000009_create_carriers;
mod m20261130_000010_create_rate_decks;
mod m20261130_000011_create_destinations;
mod m20261130_000012_create_routing_tiers;
mod m20261130_000013_create_routing_versions;
mod m20261130_000014_create_rate_deck_exports;
mod m20261130_000015_create_sell_cards;
mod m20261130_000016_add_user_carrier;
mod m20261130_000017_add_tier_public_rates;
mod m20261130_000018_create_ledger;
mod m20261130_000019_create_cdrs;
mod m20261130_000020_create_balance_alerts;
mod m20261130_000021_create_rerates;
mod m20261130_000022_add_cdr_pdd;
mod m20261130_000023_create_cdr_files;
mod m20261130_000024_create_payments;
mod m20261201_000025_create_promo_codes;
mod m20261201_000026_create_statements;
mod m20261201_000027_add_fx_to_charges;
mod m20261201_000028_create_referrals;
mod m20261201_000029_add_statement_locale;
mod m20261201_000030_add_rerate_job;
mod m20261201_000031_add_refused_row_text;

/// Runs DIDTron's migrations in order (`Migrator::up(&db, None)`).
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_users::Migration),
            Box::new(m20261129_000002_create_sessions::Migration),
            Box::new(m20261129_000003_create_audit_log::Migration),
            Box::new(m20261129_000004_create_tenants_customers::Migration),
            Box::new(m20261129_000005_make_audit_log_append_only::Migration),
            Box::new(m20261129_000006_create_fx_rates_and_job_progress::Migration),
            Box::new(m20261129_000007_create_job_effects::Migration),
            Box::new(m20261130_000008_create_job_controls::Migration),
            Box::new(m20261130_000009_create_carriers::Migration),
            Box::new(m20261130_000010_create_rate_decks::Migration),
            Box::new(m20261130_000011_create_destinations::Migration),
            Box::new(m20261130_000012_create_routing_tiers::Migration),
            Box::new(m20261130_000013_create_routing_versions::Migration),
            Box::new(m20261130_000014_create_rate_deck_exports::Migration),
            Box::new(m20261130_000015_create_sell_cards::Migration),
            Box::new(m20261130_000016_add_user_carrier::Migration),
            Box::new(m20261130_000017_add_tier_public_rates::Migration),
            Box::new(m20261130_000018_create_ledger::Migration),
            Box::new(m20261130_000019_create_cdrs::Migration),
            Box::new(m20261130_000020_create_balance_alerts::Migration),
            Box::new(m20261130_000021_create_rerates::Migration),
            Box::new(m20261130_000022_add_cdr_pdd::Migration),
            Box::new(m20261130_000023_create_cdr_files::Migration),
            Box::new(m20261130_000024_create_payments::Migration),
            Box::new(m20261201_000025_create_promo_codes::Migration),
            Box::new(m20261201_000026_create_statements::Migration),
            Box::new(m20261201_000027_add_fx_to_charges::Migration),
            Box::new(m20261201_000028_create_referrals::Migration),
            Box::new(m20261201_000029_add_statement_locale::Migration),
            Box::new(m20261201_000030_add_rerate_job::Migration),
            Box::new(m20261201_000031_add_refused_row_text::Migration),
        ]
    }
}
