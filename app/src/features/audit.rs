//! Super Admin > Platform > Audit log: every write, filterable, pageable and exportable as CSV.
//! Tenant admins see their tenant's entries; the super admin may widen it to every tenant.

pub mod api;
pub mod pages;
