//! Referrals: the Customer portal's Referrals page (the customer's sign-up link, whom it
//! brought and what they earned it) and Super Admin's Customers > Referrals (the programme's
//! settings and every reward, credited or refused).

pub mod api;
pub mod pages;
