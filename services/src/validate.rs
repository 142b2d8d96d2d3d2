//! Form checks shared by the use cases: each failed check adds a [`FieldError`] naming its field,
//! so one submission reports every bad field at once.

use crate::error::{FieldError, ServiceError};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Collects field errors while a use case reads its input.
#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an error on `field`.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Trimmed text of at most `max` characters; `required` refuses empty text.
    pub fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let value = value.trim().to_owned();
        if required && value.is_empty() {
            self.fail(field, "is required");
        } else if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
        value
    }

    /// A normalised e-mail address (see [`crate::users::normalize_email`]); empty is allowed when
    /// not `required`.
    pub fn email(&mut self, field: &str, value: &str, required: bool) -> String {
        if !required && value.trim().is_empty() {
            return String::new();
        }
        match crate::users::normalize_email(value) {
            Ok(email) => email,
            Err(m) => {
                self.fail(field, m);
                String::new()
            }
        }
    }

    /// An ISO 4217 currency code, upper-cased, e.g. `EUR`.
    pub fn currency(&mut self, field: &str, value: &str) -> String {
        let code = value.trim().to_uppercase();
        if code.is_empty() {
            self.fail(field, "is required");
        } else if domain::money::parse_currency(&code).is_err() {
            self.fail(
                field,
                format!("`{code}` is not an ISO 4217 currency code (like USD, EUR, GBP)"),
            );
        }
        code
    }

    /// A decimal amount `>= 0` with at most `scale` decimals and at most `max`, e.g. a credit
    /// limit.
    pub fn amount(&mut self, field: &str, value: &str, scale: u32, max: Decimal) -> Decimal {
        let text = value.trim();
        let text = if text.is_empty() { "0" } else { text };
        match Decimal::from_str(text) {
            Ok(d) if d.is_sign_negative() && !d.is_zero() => {
                self.fail(field, "must not be negative");
                Decimal::ZERO
            }
            Ok(d) if d.normalize().scale() > scale => {
                self.fail(field, format!("must have at most {scale} decimals"));
                Decimal::ZERO
            }
            Ok(d) if d > max => {
                self.fail(field, format!("must be at most {max}"));
                Decimal::ZERO
            }
            Ok(d) => d.normalize(),
            Err(_) => {
                self.fail(
                    field,
                    format!("`{text}` is not a number (like 250 or 99.50)"),
                );
                Decimal::ZERO
            }
        }
    }

    /// One of `allowed` (after trimming and lower-casing).
    pub fn one_of(&mut self, field: &str, value: &str, allowed: &[&str]) -> String {
        let v = value.trim().to_lowercase();
        if !allowed.contains(&v.as_str()) {
            self.fail(field, format!("must be one of {}", allowed.join(", ")));
        }
        v
    }

    /// Whether no check failed.
    pub fn is_ok(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when every check passed, else `Validation` with all errors.
    ///
    /// # Errors
    /// The collected field errors.
    pub fn finish(self) -> Result<(), ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self.0))
        }
    }
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'` (OWASP "CSV injection"); other cells are unchanged. For every CSV or XLSX text
/// cell that holds data typed by someone else (names, carriers' destination names).
pub fn spreadsheet_safe(cell: String) -> String {
    // A plain number (`-0.0040`, `+12`) is not a formula: it stays a number for spreadsheets.
    let number = cell.len() > 1
        && cell.starts_with(['-', '+'])
        && cell[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
        && cell[1..].chars().any(|c| c.is_ascii_digit());
    if !number && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(spreadsheet_safe("=1+1".into()), "'=1+1");
        assert_eq!(spreadsheet_safe("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(
            spreadsheet_safe("-1+cmd|' /C calc'!A0".into()),
            "'-1+cmd|' /C calc'!A0"
        );
        assert_eq!(spreadsheet_safe("-".into()), "'-");
        assert_eq!(spreadsheet_safe("-0.0040".into()), "-0.0040");
        assert_eq!(spreadsheet_safe("+12".into()), "+12");
        assert_eq!(spreadsheet_safe("Acme".into()), "Acme");
    }
}
