//! Feature modules: each has its server functions (`api.rs`), its transfer types (`dto.rs`) and
//! its pages. Portals assemble feature pages; features never import portals.

pub mod overview;
pub mod profile;
pub mod search;
pub mod sessions;
pub mod users;
pub mod workspace;
