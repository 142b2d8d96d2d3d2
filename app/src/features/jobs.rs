//! Super Admin > System > Jobs: queues by state, jobs in progress, recent failures, retry, and
//! triggering any job kind with a JSON payload.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chart;
pub mod pages;
