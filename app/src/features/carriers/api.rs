use super::dto::{CarrierDetail, CarrierForm, CarrierPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod convert {
    use super::super::dto::{CarrierForm, CarrierRow, TrunkRow};
    use crate::features::users::api::convert::time;
    use services::carriers::CarrierSummary;
    use services::entities::{carrier_trunks, carriers};

    pub fn row(s: CarrierSummary) -> CarrierRow {
        let c = s.carrier;
        CarrierRow {
            id: c.id,
            name: c.name,
            currency: c.currency,
            status: c.status,
            technical_prefix: c.technical_prefix,
            max_cps: c.max_cps,
            max_channels: c.max_channels,
            trunks: s.trunks,
            enabled_trunks: s.enabled_trunks,
            updated_at: time(c.updated_at),
        }
    }

    pub fn form(c: carriers::Model) -> CarrierForm {
        CarrierForm {
            name: c.name,
            currency: c.currency,
            status: c.status,
            technical_prefix: c.technical_prefix,
            max_cps: c.max_cps.to_string(),
            max_channels: c.max_channels.to_string(),
            noc_email: c.noc_email,
            rates_email: c.rates_email,
            billing_email: c.billing_email,
            notes: c.notes,
        }
    }

    pub fn trunk(t: carrier_trunks::Model) -> TrunkRow {
        TrunkRow {
            address: services::carriers::sip_uri(&t.host, t.port, &t.transport),
            id: t.id,
            name: t.name,
            host: t.host,
            port: t.port,
            transport: t.transport,
            username: t.username,
            codecs: t.codecs,
            enabled: t.enabled,
        }
    }
}

/// The signed-in user if it manages carriers (staff or switch operator), and the base path of
/// its portal (`/admin` or `/switch`).
#[cfg(feature = "ssr")]
async fn operator() -> Result<(services::users::SignedIn, &'static str), AppError> {
    use crate::ssr::{fail, signed_in};
    let me = signed_in().await?;
    if services::carriers::manages_carriers(me.role) {
        let base = me.role.portal().base_path();
        Ok((me, base))
    } else {
        Err(fail(AppError::Forbidden))
    }
}

/// Carriers matching `q` (name, technical prefix, e-mails) and `status`, by name, 25 a page.
///
/// # Errors
/// `Forbidden` unless staff or switch operator; `Validation{status}`.
#[server(endpoint = "list_carriers")]
pub async fn list_carriers(
    q: Option<String>,
    status: Option<String>,
    page: Option<u64>,
) -> Result<CarrierPage, AppError> {
    use crate::ssr::{fail, services};
    let (me, _) = operator().await?;
    let svc = services()?;
    let query = services::carriers::CarrierQuery {
        search: q,
        status,
        page: page.unwrap_or(1),
        per_page: 25,
    };
    let found = services::carriers::list_carriers(&svc.db, &me.actor(), &query)
        .await
        .map_err(fail)?;
    Ok(CarrierPage {
        rows: found.items.into_iter().map(convert::row).collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

/// One carrier with its trunks and activity.
///
/// # Errors
/// `NotFound` (another tenant's carrier too), `Forbidden`.
#[server(endpoint = "get_carrier")]
pub async fn get_carrier(id: i64) -> Result<CarrierDetail, AppError> {
    use crate::features::users::api::convert::activity_row;
    use crate::ssr::{fail, services};
    use services::audit::{AuditFilter, recent};
    let (me, _) = operator().await?;
    let svc = services()?;
    let actor = me.actor();
    let db = &svc.db;
    let carrier = services::carriers::get_carrier(db, &actor, id)
        .await
        .map_err(fail)?;
    let trunks = services::carriers::list_trunks(db, &actor, id)
        .await
        .map_err(fail)?;
    let decks = services::decks::list_decks(db, &actor, id)
        .await
        .map_err(fail)?
        .into_iter()
        .map(crate::features::decks::api::convert::deck)
        .collect();
    let users = if actor.role.is_staff() {
        services::carriers::carrier_users(db, &actor, id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(crate::features::users::api::convert::user_row)
            .collect()
    } else {
        Vec::new()
    };
    let about = AuditFilter {
        entity: Some(("carrier".into(), id.to_string())),
        actor_user_id: None,
    };
    let activity = recent(db, actor.tenant_id, &about, 50)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?
        .into_iter()
        .map(activity_row)
        .collect();
    let quality = carrier_quality(&svc, &actor, id).await?;
    Ok(CarrierDetail {
        id,
        form: convert::form(carrier),
        trunks: trunks.into_iter().map(convert::trunk).collect(),
        decks,
        users,
        activity,
        quality,
    })
}

/// The form of a new carrier, in the tenant's default currency.
///
/// # Errors
/// `Forbidden`.
#[server(endpoint = "new_carrier_form")]
pub async fn new_carrier_form() -> Result<CarrierForm, AppError> {
    use crate::ssr::tenant;
    operator().await?;
    let tenant = tenant().await?;
    Ok(CarrierForm {
        currency: tenant.default_currency,
        status: "active".to_owned(),
        max_cps: "0".to_owned(),
        max_channels: "0".to_owned(),
        ..Default::default()
    })
}

/// Creates (`id` empty) or updates a carrier, then opens its page on `tab` (the content tab
/// the form was saved from).
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{name}`, `NotFound`, `Forbidden`.
#[server(endpoint = "save_carrier")]
#[allow(clippy::too_many_arguments)]
pub async fn save_carrier(
    id: String,
    name: String,
    currency: String,
    status: String,
    technical_prefix: String,
    max_cps: String,
    max_channels: String,
    noc_email: String,
    rates_email: String,
    billing_email: String,
    notes: String,
    tab: Option<String>,
) -> Result<i64, AppError> {
    use crate::features::customers::api::optional_id;
    use crate::ssr::{fail, services};
    let (me, base) = operator().await?;
    let svc = services()?;
    let input = services::carriers::CarrierInput {
        name,
        currency,
        status,
        technical_prefix,
        max_cps,
        max_channels,
        noc_email,
        rates_email,
        billing_email,
        notes,
    };
    let saved = match optional_id("id", &id)? {
        None => services::carriers::create_carrier(&svc.db, &me.actor(), input).await,
        Some(id) => services::carriers::update_carrier(&svc.db, &me.actor(), id, input).await,
    }
    .map_err(fail)?;
    // Back to the tab the form was saved from.
    let tab = match tab.as_deref() {
        Some(t @ ("limits" | "contacts")) => format!("tab={t}&"),
        _ => String::new(),
    };
    leptos_axum::redirect(&format!("{base}/carriers/{}?{tab}saved=1", saved.id));
    Ok(saved.id)
}

/// Adds (`trunk_id` empty) or updates a trunk of carrier `carrier_id`, then shows the trunks.
/// `enabled` is present when the box is ticked; an empty `password` keeps the stored one.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{name}`, `NotFound`, `Forbidden`.
#[server(endpoint = "save_trunk")]
#[allow(clippy::too_many_arguments)]
pub async fn save_trunk(
    carrier_id: i64,
    trunk_id: String,
    name: String,
    host: String,
    port: String,
    transport: String,
    username: String,
    password: String,
    codecs: String,
    enabled: Option<String>,
) -> Result<i64, AppError> {
    use crate::features::customers::api::optional_id;
    use crate::ssr::{fail, services};
    let (me, base) = operator().await?;
    let svc = services()?;
    let input = services::carriers::TrunkInput {
        name,
        host,
        port,
        transport,
        username,
        password,
        codecs,
        enabled: enabled.is_some(),
    };
    let trunk_id = optional_id("trunk_id", &trunk_id)?;
    let saved = services::carriers::save_trunk(&svc.db, &me.actor(), carrier_id, trunk_id, input)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!(
        "{base}/carriers/{carrier_id}?tab=trunks&trunk_saved=1"
    ));
    Ok(saved.id)
}

/// Deletes trunk `trunk_id` of carrier `carrier_id`, then shows the trunks.
///
/// # Errors
/// `NotFound`, `Forbidden`.
#[server(endpoint = "delete_trunk")]
pub async fn delete_trunk(carrier_id: i64, trunk_id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services};
    let (me, base) = operator().await?;
    let svc = services()?;
    services::carriers::delete_trunk(&svc.db, &me.actor(), carrier_id, trunk_id)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!(
        "{base}/carriers/{carrier_id}?tab=trunks&trunk_deleted=1"
    ));
    Ok(())
}

/// A carrier's quality tab: the last 24 hours and 7 days, per day (14 days), per hour (24
/// hours), and per destination and customer (7 days).
#[cfg(feature = "ssr")]
async fn carrier_quality(
    svc: &services::Services,
    actor: &services::audit::Actor,
    id: i64,
) -> Result<Vec<super::dto::QualitySection>, AppError> {
    use crate::ssr::fail;
    use chrono::{Duration, Utc};
    use services::cdrs::quality::{Scope, Split, quality};
    let now = Utc::now();
    // Calls stamped a little ahead of this clock still count.
    let until = now + Duration::hours(1);
    let day_start = |days: i64| {
        (now - Duration::days(days))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
    };
    let sections = [
        (
            "Totals",
            "Period",
            None,
            now - Duration::hours(24),
            Split::Total,
        ),
        (
            "Totals",
            "Period",
            Some("Last 7 days"),
            now - Duration::days(7),
            Split::Total,
        ),
        (
            "Per day, last 14 days",
            "Day (UTC)",
            None,
            day_start(13),
            Split::Day,
        ),
        (
            "Per hour, last 24 hours",
            "Hour (UTC)",
            None,
            now - Duration::hours(24),
            Split::Hour,
        ),
        (
            "Per destination, last 7 days",
            "Destination",
            None,
            now - Duration::days(7),
            Split::Destination,
        ),
        (
            "Per customer, last 7 days",
            "Customer",
            None,
            now - Duration::days(7),
            Split::Customer,
        ),
    ];
    let mut out: Vec<super::dto::QualitySection> = Vec::new();
    for (title, column, label, since, split) in sections {
        let lines = quality(&svc.db, actor, Scope::Carrier(id), since, until, split)
            .await
            .map_err(fail)?;
        let rows = lines.into_iter().map(|l| {
            let label = match (split, label) {
                (Split::Total, Some(l)) => l.to_owned(),
                (Split::Total, None) => "Last 24 hours".to_owned(),
                _ => l.label,
            };
            super::dto::QualityRow::new(label, l.counts)
        });
        match out.last_mut() {
            Some(last) if last.title == title => last.rows.extend(rows),
            _ => out.push(super::dto::QualitySection {
                title: title.to_owned(),
                column: column.to_owned(),
                rows: rows.collect(),
            }),
        }
    }
    Ok(out)
}
