use crate::features::users::dto::{ActivityRow, UserRow};
use serde::{Deserialize, Serialize};

/// A customer as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    /// Id.
    pub id: i64,
    /// Company name.
    pub company_name: String,
    /// Main contact's name.
    pub contact_name: String,
    /// Main contact's e-mail.
    pub contact_email: String,
    /// ISO 4217 code.
    pub billing_currency: String,
    /// `prepaid` or `postpaid`.
    pub billing_type: String,
    /// Credit limit with its currency, e.g. `100.00 USD`.
    pub credit_limit: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// Category name.
    pub category: Option<String>,
    /// Group name.
    pub group: Option<String>,
    /// Creation time, `YYYY-MM-DD HH:MM UTC`.
    pub created_at: String,
}

/// One page of customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    /// Rows of this page.
    pub rows: Vec<CustomerRow>,
    /// Customers matching the filters on all pages.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

/// A category and its groups, for filters and selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryOption {
    /// Category id.
    pub id: i64,
    /// Category name.
    pub name: String,
    /// (group id, group name), by name.
    pub groups: Vec<(i64, String)>,
}

/// The customer form's values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerForm {
    /// Company name.
    pub company_name: String,
    /// Main contact's name.
    pub contact_name: String,
    /// Main contact's e-mail.
    pub contact_email: String,
    /// Main contact's phone.
    pub contact_phone: String,
    /// Invoice e-mail.
    pub billing_email: String,
    /// ISO 4217 code.
    pub billing_currency: String,
    /// `prepaid` or `postpaid`.
    pub billing_type: String,
    /// Decimal text.
    pub credit_limit: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// Category id, if any.
    pub category_id: Option<i64>,
    /// Group id, if any.
    pub group_id: Option<i64>,
    /// Internal notes.
    pub notes: String,
}

/// Everything the customer page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    /// Id.
    pub id: i64,
    /// The stored values.
    pub form: CustomerForm,
    /// Its category and group names, e.g. `Wholesale / Gold`.
    pub placement: String,
    /// Its portal users.
    pub users: Vec<UserRow>,
    /// Names of the features it has.
    pub features: Vec<String>,
    /// Audit entries about it, newest first.
    pub activity: Vec<ActivityRow>,
    /// Categories and groups to choose from.
    pub categories: Vec<CategoryOption>,
}
