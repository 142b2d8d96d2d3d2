//! Reports in Super Admin: revenue, cost and margin of the rated calls by carrier, customer or
//! destination, with a chart by day; and the impact preview of a pending deck or card.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chart;
pub mod impact;
pub mod pages;
