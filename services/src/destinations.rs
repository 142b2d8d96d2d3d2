//! The A-Z destination database: seeded from the numbering plan (country calling codes and the
//! NANP area codes of libphonenumber, compiled in from `services/numbering/`), extended or
//! corrected by importing an A-Z file, listed and searched in the Super Admin portal, and looked
//! up by longest prefix to name the rates of every carrier the same way.

use crate::audit::{Actor, Changes};
use crate::entities::destinations;
use crate::error::ServiceError;
use crate::users::Page;
use chrono::Utc;
use domain::access::Role;
use domain::destinations::{Destination, DestinationIndex, DestinationKind};
use domain::number::Prefix;
use regex_syntax::hir::literal::Extractor;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, OnConflict};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashSet;

const COUNTRY_CODES: &str = include_str!("../numbering/country_code_table.csv");
const NANP_AREAS: &str = include_str!("../numbering/nanp_npa_geocoding_libphonenumber.csv");

/// Canadian provinces and territories as the NANP geocoding file names them (the others are US
/// states and cities).
const CANADA: &[&str] = &[
    "Alberta",
    "British Columbia",
    "British Colombia",
    "Manitoba",
    "New Brunswick",
    "Newfoundland and Labrador",
    "Northwest Territories/Nunavut/Yukon",
    "Nova Scotia/Prince Edward Island",
    "Ontario",
    "Quebec",
    "Saskatchewan",
    "Yukon",
];

/// Most rows one A-Z import reads.
pub const MAX_IMPORT_ROWS: usize = 200_000;

/// The dial codes a libphonenumber "leading digits" pattern covers (a regular expression of
/// digits, classes and alternatives such as `8001|8[024]9` or `(?:16|7[56])24`), read with
/// regex-syntax's literal extractor.
///
/// # Errors
/// The pattern is not a regular expression, or matches more than a finite set of digit strings.
pub fn leading_digits(pattern: &str) -> Result<Vec<String>, String> {
    let hir = regex_syntax::parse(pattern).map_err(|e| format!("`{pattern}`: {e}"))?;
    let seq = Extractor::new().extract(&hir);
    let literals = seq
        .literals()
        .ok_or_else(|| format!("`{pattern}` covers more than a list of dial codes"))?;
    let mut out = Vec::with_capacity(literals.len());
    for lit in literals {
        if !lit.is_exact() {
            return Err(format!("`{pattern}` covers more than a list of dial codes"));
        }
        let digits = String::from_utf8(lit.as_bytes().to_vec()).unwrap_or_default();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{pattern}` covers something other than digits"));
        }
        out.push(digits);
    }
    Ok(out)
}

fn entry(
    prefix: &str,
    region: &str,
    country: &str,
    name: &str,
    kind: DestinationKind,
) -> Result<Destination, String> {
    Ok(Destination {
        prefix: Prefix::parse(prefix).map_err(|e| format!("prefix `{prefix}`: {e}"))?,
        region: region.to_owned(),
        country: country.to_owned(),
        name: name.to_owned(),
        kind,
    })
}

/// The A-Z entries of the numbering plan: one per country calling code (given to the first
/// region listed for it), one per leading-digit range that splits a shared code
/// (NANP countries, Kazakhstan in +7, the Crown Dependencies in +44...), and one per US and
/// Canadian area code, named `US - New Jersey`, `Canada - Ontario`.
///
/// # Errors
/// A line of the compiled-in files that cannot be read, naming the file and line.
pub fn numbering_plan() -> Result<Vec<Destination>, String> {
    let mut out = Vec::new();
    let mut bare: HashSet<String> = HashSet::new();
    let mut covered: HashSet<String> = HashSet::new();
    let mut reader = csv::Reader::from_reader(COUNTRY_CODES.as_bytes());
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let r = record.map_err(|e| format!("country_code_table.csv line {line}: {e}"))?;
        let (cc, region, country, leading) = (&r[0], &r[1], &r[2], r.get(3).unwrap_or(""));
        let kind = if region == "001" {
            DestinationKind::of_global_code(cc)
        } else {
            DestinationKind::Fixed
        };
        // The first region listed for a code takes the code itself (US for +1, RU for +7).
        if bare.insert(cc.to_owned()) {
            out.push(entry(cc, region, country, country, kind)?);
        }
        if leading.is_empty() {
            continue;
        }
        let codes = leading_digits(leading)
            .map_err(|e| format!("country_code_table.csv line {line}: {e}"))?;
        for code in codes {
            let prefix = format!("{cc}{code}");
            covered.insert(prefix.clone());
            out.push(entry(&prefix, region, country, country, kind)?);
        }
    }
    let mut reader = csv::Reader::from_reader(NANP_AREAS.as_bytes());
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let r = record
            .map_err(|e| format!("nanp_npa_geocoding_libphonenumber.csv line {line}: {e}"))?;
        let prefix = format!("1{}", &r[0]);
        if covered.contains(&prefix) {
            continue;
        }
        let place = &r[1];
        let canadian = CANADA.contains(&place)
            || place.ends_with(", ON")
            || place.ends_with(", QC")
            || place.ends_with(", BC")
            || place.ends_with(", AB");
        let (region, country) = if canadian {
            ("CA", "Canada")
        } else {
            ("US", "US")
        };
        out.push(entry(
            &prefix,
            region,
            country,
            &format!("{country} - {place}"),
            DestinationKind::Fixed,
        )?);
    }
    Ok(out)
}

fn model(d: &Destination, source: &str) -> destinations::ActiveModel {
    destinations::ActiveModel {
        id: NotSet,
        prefix: Set(d.prefix.to_string()),
        region: Set(d.region.chars().take(3).collect()),
        country: Set(d.country.chars().take(120).collect()),
        name: Set(d.name.chars().take(200).collect()),
        kind: Set(d.kind.as_str().to_owned()),
        source: Set(source.to_owned()),
        updated_at: Set(Utc::now()),
    }
}

async fn upsert(
    conn: &impl ConnectionTrait,
    entries: &[Destination],
    source: &str,
) -> Result<(), sea_orm::DbErr> {
    for batch in entries.chunks(1_000) {
        destinations::Entity::insert_many(batch.iter().map(|d| model(d, source)))
            .on_conflict(
                OnConflict::column(destinations::Column::Prefix)
                    .update_columns([
                        destinations::Column::Region,
                        destinations::Column::Country,
                        destinations::Column::Name,
                        destinations::Column::Kind,
                        destinations::Column::Source,
                        destinations::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Fills an empty A-Z database from the numbering plan; returns how many entries it wrote (0
/// when there were entries already: imports and corrections are never overwritten).
///
/// # Errors
/// Database errors; a compiled-in file that cannot be read (a build defect).
pub async fn seed(db: &DatabaseConnection) -> Result<usize, ServiceError> {
    if destinations::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let plan = numbering_plan().map_err(|e| ServiceError::Unexpected(anyhow::anyhow!(e)))?;
    upsert(db, &plan, "numbering").await?;
    Ok(plan.len())
}

/// Every A-Z entry, indexed for longest-prefix look-ups.
///
/// # Errors
/// Database errors.
pub async fn index(db: &impl ConnectionTrait) -> Result<DestinationIndex, ServiceError> {
    let rows = destinations::Entity::find().all(db).await?;
    Ok(DestinationIndex::new(
        rows.into_iter()
            .filter_map(|r| {
                Some(Destination {
                    prefix: Prefix::parse(&r.prefix).ok()?,
                    kind: DestinationKind::parse(&r.kind).ok()?,
                    region: r.region,
                    country: r.country,
                    name: r.name,
                })
            })
            .collect(),
    ))
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_staff() || actor.role == Role::SwitchOperator {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Filters and page of [`list`].
#[derive(Debug, Clone, Default)]
pub struct DestinationQuery {
    /// A number (digits, with `+` or `00`, spaces, dashes, dots or brackets as people write it):
    /// entries whose prefix starts with its digits; text: in the country or name.
    pub search: Option<String>,
    /// Only this kind.
    pub kind: Option<DestinationKind>,
    /// Page, from 1.
    pub page: u64,
    /// Rows per page (1-500).
    pub per_page: u64,
}

/// A page of A-Z entries by prefix.
///
/// # Errors
/// `Forbidden` unless staff or switch operator.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &DestinationQuery,
) -> Result<Page<destinations::Model>, ServiceError> {
    staff(actor)?;
    let mut select = destinations::Entity::find();
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // A number as people write it: `+93 77`, `0093-77`, `(93) 77`.
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"))
            .unwrap_or(&compact)
            .to_owned();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            select = select.filter(destinations::Column::Prefix.starts_with(&digits));
        } else {
            let pattern = format!("%{}%", text.to_lowercase());
            let lower = |col: destinations::Column| Expr::expr(Func::lower(Expr::col(col)));
            select = select.filter(
                Condition::any()
                    .add(lower(destinations::Column::Country).like(pattern.clone()))
                    .add(lower(destinations::Column::Name).like(pattern)),
            );
        }
    }
    if let Some(kind) = q.kind {
        select = select.filter(destinations::Column::Kind.eq(kind.as_str()));
    }
    let per_page = q.per_page.clamp(1, 500);
    let page = q.page.clamp(1, 1_000_000);
    let paginator = select
        .order_by_asc(destinations::Column::Prefix)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// How many entries there are of each kind, in [`DestinationKind::ALL`] order.
///
/// # Errors
/// Database errors.
pub async fn counts(db: &DatabaseConnection) -> Result<Vec<(DestinationKind, u64)>, ServiceError> {
    let rows: Vec<(String, i64)> = destinations::Entity::find()
        .select_only()
        .column(destinations::Column::Kind)
        .column_as(destinations::Column::Id.count(), "n")
        .group_by(destinations::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    Ok(DestinationKind::ALL
        .into_iter()
        .map(|k| {
            let n = rows
                .iter()
                .find(|(kind, _)| kind == k.as_str())
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
            (k, n)
        })
        .collect())
}

/// What an A-Z import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Entries written (new or replaced).
    pub written: usize,
    /// Rows refused: (line, reason).
    pub errors: Vec<(u64, String)>,
}

/// Imports an A-Z file: CSV with a header naming `prefix` (or `code`, `dial code`), `country`,
/// `destination` (or `name`, `description`), `type` (or `kind`) and optionally `region` (else the
/// region of the entry covering the prefix). Each
/// good row adds or replaces the entry of its prefix; bad rows are reported with their line and
/// the good ones kept. All rows land in one transaction.
///
/// # Errors
/// `Validation{file}` for an empty file, a missing column, no good row or more than
/// [`MAX_IMPORT_ROWS`] rows; `Forbidden` unless super admin or staff.
pub async fn import_csv(
    db: &DatabaseConnection,
    actor: &Actor,
    bytes: &[u8],
) -> Result<ImportSummary, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let text =
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned();
    if text.trim().is_empty() {
        return Err(ServiceError::field(
            "file",
            "is empty: choose an A-Z file (CSV)",
        ));
    }
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| {
            text.lines()
                .next()
                .unwrap_or("")
                .bytes()
                .filter(|b| b == d)
                .count()
        })
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ServiceError::field("file", &format!("cannot be read as CSV: {e}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let prefix_col = find(&["prefix", "code", "dial code", "dialcode", "e164"]);
    let country_col = find(&["country", "country name"]);
    let name_col = find(&["destination", "name", "description", "destination name"]);
    let kind_col = find(&["type", "kind", "destination type"]);
    let region_col = find(&["region", "iso", "iso code", "country iso"]);
    let (Some(prefix_col), Some(country_col), Some(kind_col)) = (prefix_col, country_col, kind_col)
    else {
        return Err(ServiceError::field(
            "file",
            &format!(
                "needs a header with prefix, country and type columns (and destination); found: {}",
                headers.join(", ")
            ),
        ));
    };
    // A row without region takes the region of the entry that covers its prefix now.
    let covering = index(db).await?;
    let mut good = Vec::new();
    let mut summary = ImportSummary::default();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        if n >= MAX_IMPORT_ROWS {
            return Err(ServiceError::field(
                "file",
                &format!("has more than {MAX_IMPORT_ROWS} rows: split it"),
            ));
        }
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                summary.errors.push((line, format!("cannot be read: {e}")));
                continue;
            }
        };
        let cell = |c: usize| r.get(c).unwrap_or("").trim();
        let digits = cell(prefix_col).trim_start_matches('+');
        let prefix = match Prefix::parse(digits) {
            Ok(p) => p,
            Err(e) => {
                summary
                    .errors
                    .push((line, format!("prefix `{}`: {e}", cell(prefix_col))));
                continue;
            }
        };
        let kind = match DestinationKind::parse(cell(kind_col)) {
            Ok(k) => k,
            Err(e) => {
                summary.errors.push((line, e.to_string()));
                continue;
            }
        };
        let country = cell(country_col);
        if country.is_empty() {
            summary.errors.push((line, "country is missing".to_owned()));
            continue;
        }
        let name = name_col
            .map(cell)
            .filter(|s| !s.is_empty())
            .unwrap_or(country);
        let region = match region_col.map(cell).filter(|r| !r.is_empty()) {
            Some(r) => r.to_uppercase(),
            None => covering
                .lookup_prefix(prefix)
                .map(|d| d.region.clone())
                .unwrap_or_default(),
        };
        good.push(Destination {
            prefix,
            region,
            country: country.to_owned(),
            name: name.to_owned(),
            kind,
        });
    }
    if good.is_empty() {
        let first = summary
            .errors
            .first()
            .map_or_else(String::new, |(l, m)| format!("; line {l}: {m}"));
        return Err(ServiceError::field(
            "file",
            &format!("has no row that can be imported{first}"),
        ));
    }
    let txn = db.begin().await?;
    upsert(&txn, &good, "import").await?;
    actor
        .audit(
            &txn,
            "import",
            "destinations",
            "a-z",
            Changes::new()
                .field("written", serde_json::Value::Null, good.len())
                .field("refused", serde_json::Value::Null, summary.errors.len()),
        )
        .await?;
    crate::routes::changed(&txn, crate::routes::AZ).await?;
    txn.commit().await?;
    summary.written = good.len();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_files_are_the_shared_originals() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/numbering");
        for (name, ours) in [
            ("country_code_table.csv", COUNTRY_CODES),
            ("nanp_npa_geocoding_libphonenumber.csv", NANP_AREAS),
        ] {
            let original = std::fs::read_to_string(dir.join(name)).unwrap();
            assert_eq!(original, ours, "{name} differs from shared/data/numbering");
        }
    }

    #[test]
    fn leading_digit_patterns_become_dial_codes() {
        assert_eq!(leading_digits("268").unwrap(), ["268"]);
        let mut dominican = leading_digits("8001|8[024]9").unwrap();
        dominican.sort();
        assert_eq!(dominican, ["8001", "809", "829", "849"]);
        let mut isle_of_man = leading_digits("74576|(?:16|7[56])24").unwrap();
        isle_of_man.sort();
        assert_eq!(isle_of_man, ["1624", "74576", "7524", "7624"]);
        let mut norway = leading_digits("[02-689]|7[0-8]").unwrap();
        norway.sort();
        assert_eq!(norway.len(), 8 + 9, "0, 2-6, 8, 9 and 70-78");
        assert!(leading_digits("7\\d+").is_err());
    }

    #[test]
    fn the_numbering_plan_names_countries_nanp_areas_and_global_services() {
        let plan = numbering_plan().unwrap();
        let index = DestinationIndex::new(plan);
        let at = |n: &str| {
            let d = index
                .lookup(domain::number::E164::parse(n).unwrap())
                .unwrap();
            (d.name.clone(), d.region.clone(), d.kind)
        };
        assert_eq!(
            at("12015550123"),
            (
                "US - New Jersey".into(),
                "US".into(),
                DestinationKind::Fixed
            )
        );
        assert_eq!(at("14165550123").1, "CA", "Toronto");
        assert_eq!(at("12685550123").0, "Antigua & Barbuda");
        assert_eq!(at("18095550123").1, "DO");
        assert_eq!(at("77012345678").1, "KZ");
        assert_eq!(at("74951234567").1, "RU");
        assert_eq!(at("441624123456").1, "IM");
        assert_eq!(at("442079460000").1, "GB");
        assert_eq!(at("881612345678").2, DestinationKind::Satellite);
        assert_eq!(at("80012345678").2, DestinationKind::TollFree);
        assert_eq!(at("97912345678").2, DestinationKind::Premium);
    }
}
