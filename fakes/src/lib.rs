//! Local fakes of DIDTron's outside services, for tests on machines without internet. Each
//! follows the provider's documented API (request shapes, authentication, errors, signatures),
//! so the platform's real clients run against them unchanged.
//!
//! - [`stripe`]: Checkout Sessions (<https://docs.stripe.com/api/checkout/sessions>), a hosted
//!   payment page, and signed webhook events (<https://docs.stripe.com/webhooks>);
//! - [`paypal`]: OAuth tokens, Orders v2 with an approval page and capture, webhook
//!   deliveries and their verification (<https://developer.paypal.com/api/rest/>).

mod common;
pub mod paypal;
pub mod stripe;
