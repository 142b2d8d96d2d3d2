//! Reading one deck row into a [`RateRow`], or the column and reason it fails on.

use super::source::Sheet;
use super::values::{self, Cell};
use super::{ColumnMapping, ColumnRole, DateOrder, ImportOptions, RowErrorKind};
use crate::deck::{RateRow, RateStatus};
use crate::increment::Increment;
use crate::money::{MoneyError, Rate};
use crate::number::Prefix;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cell::RefCell;

pub(super) type CellError = (Option<usize>, String, RowErrorKind);

pub(super) struct RowReader<'a> {
    pub(super) sheet: &'a dyn Sheet,
    pub(super) mapping: &'a ColumnMapping,
    pub(super) options: &'a ImportOptions,
    pub(super) order: DateOrder,
    /// The last date text read and its value (most decks repeat one date on every row).
    pub(super) last_date: RefCell<Option<(String, Option<DateTime<Utc>>)>>,
}

impl RowReader<'_> {
    fn cell(&self, i: usize, role: ColumnRole) -> Option<(usize, Cell<'_>)> {
        let c = self.mapping.get(role)?;
        let cell = self.sheet.cell(i, c);
        (!cell.is_blank()).then_some((c, cell))
    }

    fn decimal(&self, i: usize, role: ColumnRole) -> Result<Option<Decimal>, CellError> {
        match self.cell(i, role) {
            None => Ok(None),
            Some((c, cell)) => values::parse_decimal(cell)
                .map(Some)
                .ok_or_else(|| (Some(c), cell.text(), RowErrorKind::NotANumber)),
        }
    }

    fn rate(&self, i: usize, role: ColumnRole) -> Result<Option<Rate>, CellError> {
        let Some((c, cell)) = self.cell(i, role) else {
            return Ok(None);
        };
        let value = values::parse_decimal(cell).ok_or((
            Some(c),
            cell.text(),
            RowErrorKind::Rate(MoneyError::NotANumber(cell.text())),
        ))?;
        Rate::new(value)
            .map(Some)
            .map_err(|e| (Some(c), cell.text(), RowErrorKind::Rate(e)))
    }

    fn seconds(&self, i: usize, role: ColumnRole) -> Result<Option<u32>, CellError> {
        match self.cell(i, role) {
            None => Ok(None),
            Some((c, cell)) => values::parse_seconds(cell)
                .map(Some)
                .ok_or_else(|| (Some(c), cell.text(), RowErrorKind::NotSeconds)),
        }
    }

    fn date(&self, i: usize, role: ColumnRole) -> Result<Option<DateTime<Utc>>, CellError> {
        match self.cell(i, role) {
            None => Ok(None),
            Some((c, cell)) => {
                let parsed = match cell {
                    Cell::Text(text) => {
                        let mut last = self.last_date.borrow_mut();
                        match &*last {
                            Some((seen, value)) if seen == text => *value,
                            _ => {
                                let value = values::parse_date(cell, self.order);
                                *last = Some((text.to_string(), value));
                                value
                            }
                        }
                    }
                    _ => values::parse_date(cell, self.order),
                };
                parsed
                    .map(Some)
                    .ok_or_else(|| (Some(c), cell.text(), RowErrorKind::Date))
            }
        }
    }

    fn prefix(&self, i: usize) -> Result<Prefix, CellError> {
        // Fast path without allocating: a valid prefix cell and nothing to strip (the general
        // path below gives the same prefix; it also builds the error of an invalid one).
        if self.options.strip_prefix.is_none()
            && let Some((_, Cell::Text(text))) = self.cell(i, ColumnRole::Prefix)
            && let Ok(prefix) = Prefix::parse(text)
        {
            return Ok(prefix);
        }
        let part = |role| self.cell(i, role).map(|(c, cell)| (c, digits_text(cell)));
        let (column, mut text) = match (part(ColumnRole::Prefix), part(ColumnRole::CountryCode)) {
            (Some((c, p)), _) => (c, p),
            (None, Some((c, cc))) => match part(ColumnRole::AreaCode) {
                Some((_, area)) => (c, format!("{cc}{area}")),
                None => (c, cc),
            },
            (None, None) => {
                let c = self
                    .mapping
                    .get(ColumnRole::Prefix)
                    .or(self.mapping.get(ColumnRole::CountryCode));
                return Err((c, String::new(), RowErrorKind::Missing));
            }
        };
        if let Some(strip) = &self.options.strip_prefix {
            let trimmed = text.trim_start_matches('+');
            if trimmed.len() > strip.len() && trimmed.starts_with(strip.as_str()) {
                text = trimmed[strip.len()..].to_string();
            }
        }
        Prefix::parse(&text).map_err(|e| (Some(column), text.clone(), RowErrorKind::Prefix(e)))
    }

    fn increment(&self, i: usize) -> Result<Increment, CellError> {
        let default = self.options.default_increment;
        let (mut initial, mut next, mut minimum) = (default.initial, default.next, default.minimum);
        if let Some((c, cell)) = self.cell(i, ColumnRole::Increment) {
            // The cell's text (as `Cell::text` gives it) without allocating for text cells.
            let text = match cell {
                Cell::Text(t) => Cow::Borrowed(t.trim()),
                other => Cow::Owned(other.text()),
            };
            if text.contains('/') {
                let inc = Increment::parse(&text)
                    .map_err(|e| (Some(c), text.to_string(), RowErrorKind::Increment(e)))?;
                (initial, next, minimum) = (inc.initial, inc.next, inc.minimum.max(minimum));
            } else {
                let n = values::parse_seconds(cell)
                    .ok_or_else(|| (Some(c), text.to_string(), RowErrorKind::NotSeconds))?;
                (initial, next) = (n, n);
            }
        }
        if let Some(n) = self.seconds(i, ColumnRole::InitialIncrement)? {
            initial = n;
        }
        if let Some(n) = self.seconds(i, ColumnRole::NextIncrement)? {
            next = n;
        }
        if let Some(n) = self.seconds(i, ColumnRole::MinimumDuration)? {
            minimum = n;
        }
        Increment::with_minimum(initial, next, minimum).map_err(|e| {
            let c = self
                .mapping
                .get(ColumnRole::Increment)
                .or(self.mapping.get(ColumnRole::NextIncrement));
            (
                c,
                format!("{initial}/{next}/{minimum}"),
                RowErrorKind::Increment(e),
            )
        })
    }

    pub(super) fn row(&self, i: usize) -> Result<RateRow, CellError> {
        let prefix = self.prefix(i)?;
        let rate = self.rate(i, ColumnRole::Rate)?.ok_or((
            self.mapping.get(ColumnRole::Rate),
            String::new(),
            RowErrorKind::Missing,
        ))?;
        let destination = self
            .cell(i, ColumnRole::Destination)
            .map(|(_, cell)| cell.text())
            .unwrap_or_default();
        let connection_fee = self
            .decimal(i, ColumnRole::ConnectionFee)?
            .unwrap_or_default();
        if connection_fee.is_sign_negative() && !connection_fee.is_zero() {
            let c = self.mapping.get(ColumnRole::ConnectionFee);
            let text = connection_fee.to_string();
            return Err((
                c,
                text.clone(),
                RowErrorKind::Rate(MoneyError::Negative(text)),
            ));
        }
        let effective_from = self
            .date(i, ColumnRole::EffectiveFrom)?
            .unwrap_or(self.options.effective_from);
        let effective_to = self.date(i, ColumnRole::EffectiveTo)?;
        if effective_to.is_some_and(|to| to <= effective_from) {
            let c = self.mapping.get(ColumnRole::EffectiveTo);
            let text = self
                .cell(i, ColumnRole::EffectiveTo)
                .map(|(_, x)| x.text())
                .unwrap_or_default();
            return Err((c, text, RowErrorKind::EndsBeforeStart));
        }
        let status = match self.cell(i, ColumnRole::Status) {
            None => None,
            Some((c, cell)) => Some(RateStatus::from_word(&cell.text()).ok_or((
                Some(c),
                cell.text(),
                RowErrorKind::Status,
            ))?),
        };
        Ok(RateRow {
            prefix,
            destination,
            rate,
            off_peak: self.rate(i, ColumnRole::OffPeakRate)?,
            weekend: self.rate(i, ColumnRole::WeekendRate)?,
            connection_fee: connection_fee.normalize(),
            increment: self.increment(i)?,
            grace_seconds: self.seconds(i, ColumnRole::GraceTime)?.unwrap_or(0),
            effective_from,
            effective_to,
            status,
            line: self.sheet.line(i),
        })
    }
}

/// A prefix cell as text; spreadsheet numbers print without a fraction (`93`, not `93.0`).
fn digits_text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e16 => format!("{}", n as u64),
        other => other.text(),
    }
}
