//! The services suite: every scenario runs on the embedded SQLite and on PostgreSQL, each on a
//! fresh database of its own. PostgreSQL comes from `DIDTRON_TEST_POSTGRES_URL` (an admin URL
//! such as `postgres://didtron:didtron@127.0.0.1:5432/postgres`; the test command sets it) and
//! Redis from `DIDTRON_TEST_REDIS_URL`.

mod services {
    mod access;
    mod bad_input;
    mod balances;
    mod carrier_portal;
    mod carriers;
    mod cdr_files;
    mod cdrs;
    mod deck_exports;
    mod decks;
    mod destinations;
    mod fx_charges;
    pub mod helpers;
    mod impact;
    mod job_controls;
    mod jobs;
    mod ledger;
    mod objects;
    mod payments;
    mod paypal;
    mod promos;
    mod public_rates;
    mod redis_stores;
    mod referrals;
    mod refunds;
    mod reports;
    mod rerating;
    mod route_cache;
    mod routing;
    mod sell_cards;
    mod sessions;
    mod statements;
    mod tenants;
    mod users;
}
