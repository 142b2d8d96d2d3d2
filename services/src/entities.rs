//! SeaORM entities, one module per table, in the shape `sea-orm-cli generate entity` writes them.

pub mod audit_log;
pub mod sessions;
pub mod users;
