use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An A-Z entry as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationRow {
    /// Dial code.
    pub prefix: String,
    /// ISO 3166-1 alpha-2 region or `001`.
    pub region: String,
    /// Country.
    pub country: String,
    /// Destination name.
    pub name: String,
    /// Type key, e.g. `toll_free`.
    pub kind: String,
    /// Type for people, e.g. `Toll-free`.
    pub kind_label: String,
    /// `numbering` (seeded) or `import`.
    pub source: String,
}

/// A page of A-Z entries and the counts per type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationPage {
    /// Rows of this page.
    pub rows: Vec<DestinationRow>,
    /// Entries matching on all pages.
    pub total: u64,
    /// This page.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// (type key, label, entries) for every type.
    pub counts: Vec<(String, String, u64)>,
    /// Whether the user may import an A-Z file (staff).
    pub can_import: bool,
}

/// A-Z entries matching `q` (digits: prefix starts with; text: country or name) and `kind`,
/// by prefix, 50 a page.
///
/// # Errors
/// `Forbidden` unless staff or switch operator; `Validation{kind}` for an unknown type.
#[server(endpoint = "list_destinations")]
pub async fn list_destinations(
    q: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
) -> Result<DestinationPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use domain::destinations::DestinationKind;
    let me = signed_in().await?;
    let svc = services()?;
    let kind = match kind.filter(|k| !k.is_empty()) {
        Some(k) => Some(
            DestinationKind::parse(&k)
                .map_err(|e| fail(services::ServiceError::field("kind", &e.to_string())))?,
        ),
        None => None,
    };
    let query = services::destinations::DestinationQuery {
        search: q,
        kind,
        page: page.unwrap_or(1),
        per_page: 50,
    };
    let found = services::destinations::list(&svc.db, &me.actor(), &query)
        .await
        .map_err(fail)?;
    let counts = services::destinations::counts(&svc.db)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(k, n)| (k.as_str().to_owned(), k.label().to_owned(), n))
        .collect();
    Ok(DestinationPage {
        rows: found
            .items
            .into_iter()
            .map(|d| DestinationRow {
                kind_label: DestinationKind::parse(&d.kind)
                    .map_or_else(|_| d.kind.clone(), |k| k.label().to_owned()),
                prefix: d.prefix,
                region: d.region,
                country: d.country,
                name: d.name,
                kind: d.kind,
                source: d.source,
            })
            .collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
        counts,
        can_import: me.role.is_staff(),
    })
}
