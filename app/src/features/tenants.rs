//! Super Admin > Platform > Tenants: the white-label brands, their domains, colour, logo,
//! support e-mail and default currency. A tenant's own admins see and edit only their tenant.

pub mod api;
pub mod pages;
