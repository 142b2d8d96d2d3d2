//! Carriers of a tenant (its suppliers of termination) and their SIP trunks: who they are, where
//! the switch sends their calls, and the limits they set (calls per second, channels).
//!
//! Staff (Super Admin portal) and switch operators (Softswitch portal) manage them; every other
//! role is refused. Every write is audited; trunk passwords are recorded as "changed", never with
//! their values.

use crate::audit::{Actor, Changes};
use crate::entities::{carrier_trunks as trunks, carriers};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::users::Page;
use crate::validate::Checks;
use chrono::Utc;
use domain::access::Role;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use std::net::IpAddr;

/// Carrier statuses: `active` carriers take traffic; `testing` ones only test calls; `disabled`
/// ones none (their decks and history are kept).
pub const STATUSES: [&str; 3] = ["active", "testing", "disabled"];
/// SIP transports (RFC 3261 section 18; TLS per RFC 5630).
pub const TRANSPORTS: [&str; 3] = ["udp", "tcp", "tls"];
/// Codecs a trunk may offer, by their SDP encoding names (RFC 3551 and the codecs' RFCs).
pub const CODECS: [&str; 7] = ["PCMA", "PCMU", "G729", "G722", "opus", "GSM", "iLBC"];
/// The largest calls-per-second limit accepted.
pub const MAX_CPS: i32 = 10_000;
/// The largest channel limit accepted.
pub const MAX_CHANNELS: i32 = 1_000_000;

/// Whether `role` manages carriers: staff and switch operators.
pub fn manages_carriers(role: Role) -> bool {
    role.is_staff() || role == Role::SwitchOperator
}

fn operator(actor: &Actor) -> Result<(), ServiceError> {
    if manages_carriers(actor.role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The carrier form. Empty `status` is `active`; empty limits are 0 (no limit).
#[derive(Debug, Clone, Default)]
pub struct CarrierInput {
    /// Name, unique within the tenant (at most 120 characters).
    pub name: String,
    /// ISO 4217 code of its rate decks and invoices.
    pub currency: String,
    /// One of [`STATUSES`].
    pub status: String,
    /// Digits, `#` or `*` the switch puts before the number on this carrier's trunks (at most 16).
    pub technical_prefix: String,
    /// Calls per second it accepts, 0 to [`MAX_CPS`] (0: no limit).
    pub max_cps: String,
    /// Concurrent calls it accepts, 0 to [`MAX_CHANNELS`] (0: no limit).
    pub max_channels: String,
    /// NOC (technical) contact e-mail.
    pub noc_email: String,
    /// Where rate decks come from and rate notices go.
    pub rates_email: String,
    /// Invoices and disputes.
    pub billing_email: String,
    /// Internal notes (at most 5,000 characters).
    pub notes: String,
}

/// The trunk form. Empty `port` is 5060 (5061 for TLS); empty `transport` is `udp`; empty
/// `codecs` is `PCMA,PCMU`. On update an empty `password` keeps the stored one, and an empty
/// `username` clears both (IP authentication).
#[derive(Debug, Clone, Default)]
pub struct TrunkInput {
    /// Name, unique within the carrier (at most 60 characters), e.g. `Primary`.
    pub name: String,
    /// IPv4 or IPv6 address, or DNS name (RFC 1123).
    pub host: String,
    /// UDP/TCP port, 1-65535.
    pub port: String,
    /// One of [`TRANSPORTS`].
    pub transport: String,
    /// Digest user name (RFC 8760), empty for IP authentication.
    pub username: String,
    /// Digest password.
    pub password: String,
    /// Codecs from [`CODECS`], comma-separated, in preference order.
    pub codecs: String,
    /// Whether the switch may send calls to it.
    pub enabled: bool,
}

/// How [`list_carriers`] filters and pages.
#[derive(Debug, Clone, Default)]
pub struct CarrierQuery {
    /// Text in the name, technical prefix or an e-mail (case-insensitive).
    pub search: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1-200).
    pub per_page: u64,
}

/// A carrier with the number of its trunks, as lists show it.
#[derive(Debug, Clone)]
pub struct CarrierSummary {
    /// The stored carrier.
    pub carrier: carriers::Model,
    /// How many trunks it has.
    pub trunks: u64,
    /// How many of them are enabled.
    pub enabled_trunks: u64,
}

struct CheckedCarrier {
    name: String,
    currency: String,
    status: String,
    technical_prefix: String,
    max_cps: i32,
    max_channels: i32,
    noc_email: String,
    rates_email: String,
    billing_email: String,
    notes: String,
}

fn limit(checks: &mut Checks, field: &str, value: &str, max: i32) -> i32 {
    let text = value.trim();
    if text.is_empty() {
        return 0;
    }
    match text.parse::<i64>() {
        Ok(n) if (0..=i64::from(max)).contains(&n) => n as i32,
        Ok(_) => {
            checks.fail(field, format!("must be between 0 (no limit) and {max}"));
            0
        }
        Err(_) => {
            checks.fail(field, format!("`{text}` is not a whole number"));
            0
        }
    }
}

fn check_carrier(input: &CarrierInput) -> Result<CheckedCarrier, ServiceError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, 120, true);
    let currency = checks.currency("currency", &input.currency);
    let status = if input.status.trim().is_empty() {
        "active".to_owned()
    } else {
        checks.one_of("status", &input.status, &STATUSES)
    };
    let technical_prefix = checks.text("technical_prefix", &input.technical_prefix, 16, false);
    if technical_prefix
        .chars()
        .any(|c| !(c.is_ascii_digit() || c == '#' || c == '*'))
    {
        checks.fail(
            "technical_prefix",
            "may contain only digits, # and * (like 1234#)",
        );
    }
    let max_cps = limit(&mut checks, "max_cps", &input.max_cps, MAX_CPS);
    let max_channels = limit(
        &mut checks,
        "max_channels",
        &input.max_channels,
        MAX_CHANNELS,
    );
    let noc_email = checks.email("noc_email", &input.noc_email, false);
    let rates_email = checks.email("rates_email", &input.rates_email, false);
    let billing_email = checks.email("billing_email", &input.billing_email, false);
    let notes = checks.text("notes", &input.notes, 5000, false);
    checks.finish()?;
    Ok(CheckedCarrier {
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
    })
}

fn carrier_changes(before: Option<&carriers::Model>, c: &CheckedCarrier) -> Changes {
    let b =
        |f: fn(&carriers::Model) -> serde_json::Value| before.map_or(serde_json::Value::Null, f);
    Changes::new()
        .field("name", b(|m| m.name.clone().into()), c.name.clone())
        .field(
            "currency",
            b(|m| m.currency.clone().into()),
            c.currency.clone(),
        )
        .field("status", b(|m| m.status.clone().into()), c.status.clone())
        .field(
            "technical_prefix",
            b(|m| m.technical_prefix.clone().into()),
            c.technical_prefix.clone(),
        )
        .field("max_cps", b(|m| m.max_cps.into()), c.max_cps)
        .field("max_channels", b(|m| m.max_channels.into()), c.max_channels)
        .field(
            "noc_email",
            b(|m| m.noc_email.clone().into()),
            c.noc_email.clone(),
        )
        .field(
            "rates_email",
            b(|m| m.rates_email.clone().into()),
            c.rates_email.clone(),
        )
        .field(
            "billing_email",
            b(|m| m.billing_email.clone().into()),
            c.billing_email.clone(),
        )
        .field("notes", b(|m| m.notes.clone().into()), c.notes.clone())
}

fn apply_carrier(model: &mut carriers::ActiveModel, c: CheckedCarrier) {
    model.name = Set(c.name);
    model.currency = Set(c.currency);
    model.status = Set(c.status);
    model.technical_prefix = Set(c.technical_prefix);
    model.max_cps = Set(c.max_cps);
    model.max_channels = Set(c.max_channels);
    model.noc_email = Set(c.noc_email);
    model.rates_email = Set(c.rates_email);
    model.billing_email = Set(c.billing_email);
    model.notes = Set(c.notes);
    model.updated_at = Set(Utc::now());
}

/// Creates a carrier in the actor's tenant.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{name}`, `Forbidden` unless staff or switch
/// operator.
pub async fn create_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CarrierInput,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    let c = check_carrier(&input)?;
    let audit = carrier_changes(None, &c);
    let mut model = carriers::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply_carrier(&mut model, c);
    let txn = db.begin().await?;
    let row = model.insert(&txn).await.map_err(conflict_on("name"))?;
    actor
        .audit(&txn, "create", "carrier", row.id, audit)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Updates a carrier; the audit entry holds the changed fields only.
///
/// # Errors
/// `Validation`, `Conflict{name}`, `NotFound` (another tenant's id too), `Forbidden`.
pub async fn update_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: CarrierInput,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    let before = find_scoped::<carriers::Entity>(db, actor, id).await?;
    let c = check_carrier(&input)?;
    let audit = carrier_changes(Some(&before), &c);
    let mut model = before.into_active_model();
    apply_carrier(&mut model, c);
    let txn = db.begin().await?;
    let row = model.update(&txn).await.map_err(conflict_on("name"))?;
    actor.audit(&txn, "update", "carrier", id, audit).await?;
    txn.commit().await?;
    Ok(row)
}

/// One carrier of the actor's tenant.
///
/// # Errors
/// `NotFound` (another tenant's id too), `Forbidden`.
pub async fn get_carrier(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<carriers::Model, ServiceError> {
    operator(actor)?;
    find_scoped::<carriers::Entity>(db, actor, id).await
}

/// One page of the tenant's carriers matching `q`, by name, with their trunk counts.
///
/// # Errors
/// `Forbidden`; `Validation{status}` for an unknown status.
pub async fn list_carriers(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &CarrierQuery,
) -> Result<Page<CarrierSummary>, ServiceError> {
    operator(actor)?;
    let mut select = scoped::<carriers::Entity>(actor);
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        let lower = |col: carriers::Column| Expr::expr(Func::lower(Expr::col(col)));
        select = select.filter(
            Condition::any()
                .add(lower(carriers::Column::Name).like(pattern.clone()))
                .add(carriers::Column::TechnicalPrefix.like(pattern.clone()))
                .add(carriers::Column::NocEmail.like(pattern.clone()))
                .add(carriers::Column::RatesEmail.like(pattern)),
        );
    }
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if !STATUSES.contains(&status) {
            return Err(ServiceError::field(
                "status",
                "must be active, testing or disabled",
            ));
        }
        select = select.filter(carriers::Column::Status.eq(status));
    }
    let per_page = q.per_page.clamp(1, 200);
    let page = q.page.clamp(1, 1_000_000);
    let paginator = select
        .order_by_asc(carriers::Column::Name)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    let counts = trunk_counts(db, actor, rows.iter().map(|c| c.id).collect()).await?;
    let items = rows
        .into_iter()
        .map(|carrier| {
            let (trunks, enabled_trunks) = counts.get(&carrier.id).copied().unwrap_or((0, 0));
            CarrierSummary {
                carrier,
                trunks,
                enabled_trunks,
            }
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// (trunks, enabled trunks) per carrier id, in one query.
async fn trunk_counts(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: Vec<i64>,
) -> Result<HashMap<i64, (u64, u64)>, ServiceError> {
    let rows: Vec<(i64, bool, i64)> = scoped::<trunks::Entity>(actor)
        .select_only()
        .column(trunks::Column::CarrierId)
        .column(trunks::Column::Enabled)
        .column_as(trunks::Column::Id.count(), "n")
        .filter(trunks::Column::CarrierId.is_in(ids))
        .group_by(trunks::Column::CarrierId)
        .group_by(trunks::Column::Enabled)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i64, (u64, u64)> = HashMap::new();
    for (carrier, enabled, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let entry = counts.entry(carrier).or_default();
        entry.0 += n;
        if enabled {
            entry.1 += n;
        }
    }
    Ok(counts)
}

/// The trunks of carrier `carrier_id`, by name.
///
/// # Errors
/// `NotFound` (another tenant's carrier too), `Forbidden`.
pub async fn list_trunks(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
) -> Result<Vec<trunks::Model>, ServiceError> {
    get_carrier(db, actor, carrier_id).await?;
    Ok(scoped::<trunks::Entity>(actor)
        .filter(trunks::Column::CarrierId.eq(carrier_id))
        .order_by_asc(trunks::Column::Name)
        .all(db)
        .await?)
}

/// A trunk's SIP URI as switches write it (RFC 3261 section 19.1; IPv6 hosts in brackets),
/// e.g. `sip:203.0.113.10:5060;transport=udp` or `sip:[2001:db8::1]:5061;transport=tls`.
pub fn sip_uri(host: &str, port: i32, transport: &str) -> String {
    if host.contains(':') {
        format!("sip:[{host}]:{port};transport={transport}")
    } else {
        format!("sip:{host}:{port};transport={transport}")
    }
}

/// Whether `host` is an IP address or a DNS name by RFC 1123 (labels of 1-63 letters, digits
/// and inner hyphens; at most 253 characters).
pub fn valid_host(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        // A dotted string of digits that is not an IP address is a mistyped one.
        && !host.split('.').all(|l| l.bytes().all(|b| b.is_ascii_digit()))
}

struct CheckedTrunk {
    name: String,
    host: String,
    port: i32,
    transport: String,
    username: String,
    password: Option<String>,
    codecs: String,
    enabled: bool,
}

fn check_trunk(input: &TrunkInput, updating: bool) -> Result<CheckedTrunk, ServiceError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, 60, true);
    let host = input.host.trim().to_lowercase();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .map_or(host.clone(), str::to_owned);
    if host.is_empty() {
        checks.fail("host", "is required");
    } else if !valid_host(&host) {
        checks.fail(
            "host",
            format!("`{host}` is neither an IP address nor a host name (like 203.0.113.10 or sip.carrier.example)"),
        );
    }
    let transport = if input.transport.trim().is_empty() {
        "udp".to_owned()
    } else {
        checks.one_of("transport", &input.transport, &TRANSPORTS)
    };
    let port_text = input.port.trim();
    let port = if port_text.is_empty() {
        if transport == "tls" { 5061 } else { 5060 }
    } else {
        match port_text.parse::<u16>() {
            Ok(p) if p > 0 => i32::from(p),
            _ => {
                checks.fail("port", format!("`{port_text}` is not a port (1-65535)"));
                0
            }
        }
    };
    let username = checks.text("username", &input.username, 64, false);
    let password = input.password.trim();
    if password.chars().count() > 128 {
        checks.fail("password", "must be at most 128 characters");
    }
    let password = if username.is_empty() {
        if !password.is_empty() {
            checks.fail(
                "password",
                "needs a user name (leave both empty for IP authentication)",
            );
        }
        Some(String::new())
    } else if password.is_empty() {
        if !updating {
            checks.fail("password", "is required with a user name");
        }
        None
    } else {
        Some(password.to_owned())
    };
    let mut codecs = Vec::new();
    for given in input
        .codecs
        .split([',', ' '])
        .filter(|c| !c.trim().is_empty())
    {
        match CODECS.iter().find(|c| c.eq_ignore_ascii_case(given.trim())) {
            Some(c) if !codecs.contains(c) => codecs.push(*c),
            Some(_) => {}
            None => checks.fail(
                "codecs",
                format!(
                    "`{}` is not a codec this platform offers ({})",
                    given.trim(),
                    CODECS.join(", ")
                ),
            ),
        }
    }
    if codecs.is_empty() {
        codecs = vec!["PCMA", "PCMU"];
    }
    checks.finish()?;
    Ok(CheckedTrunk {
        name,
        host,
        port,
        transport,
        username,
        password,
        codecs: codecs.join(","),
        enabled: input.enabled,
    })
}

fn trunk_changes(before: Option<&trunks::Model>, t: &CheckedTrunk) -> Changes {
    let b = |f: fn(&trunks::Model) -> serde_json::Value| before.map_or(serde_json::Value::Null, f);
    let changes = Changes::new()
        .field("name", b(|m| m.name.clone().into()), t.name.clone())
        .field("host", b(|m| m.host.clone().into()), t.host.clone())
        .field("port", b(|m| m.port.into()), t.port)
        .field(
            "transport",
            b(|m| m.transport.clone().into()),
            t.transport.clone(),
        )
        .field(
            "username",
            b(|m| m.username.clone().into()),
            t.username.clone(),
        )
        .field("codecs", b(|m| m.codecs.clone().into()), t.codecs.clone())
        .field("enabled", b(|m| m.enabled.into()), t.enabled);
    match &t.password {
        Some(p)
            if before.is_none_or(|m| &m.password != p) && !(before.is_none() && p.is_empty()) =>
        {
            changes.secret("password")
        }
        _ => changes,
    }
}

/// Adds a trunk to carrier `carrier_id` (`trunk_id` None) or updates one of its trunks.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{name}` (a trunk of that name on this carrier),
/// `NotFound` (another tenant's carrier or trunk, or a trunk of another carrier), `Forbidden`.
pub async fn save_trunk(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    trunk_id: Option<i64>,
    input: TrunkInput,
) -> Result<trunks::Model, ServiceError> {
    get_carrier(db, actor, carrier_id).await?;
    let before = match trunk_id {
        Some(id) => {
            let t = find_scoped::<trunks::Entity>(db, actor, id).await?;
            if t.carrier_id != carrier_id {
                return Err(ServiceError::NotFound);
            }
            Some(t)
        }
        None => None,
    };
    let t = check_trunk(&input, before.is_some())?;
    let mut audit = trunk_changes(before.as_ref(), &t);
    if before.is_none() {
        audit = audit.field("carrier_id", serde_json::Value::Null, carrier_id);
    }
    let now = Utc::now();
    let mut model = match before {
        Some(b) => b.into_active_model(),
        None => trunks::ActiveModel {
            tenant_id: Set(actor.tenant_id),
            carrier_id: Set(carrier_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.name = Set(t.name);
    model.host = Set(t.host);
    model.port = Set(t.port);
    model.transport = Set(t.transport);
    model.username = Set(t.username);
    if let Some(p) = t.password {
        model.password = Set(p);
    }
    model.codecs = Set(t.codecs);
    model.enabled = Set(t.enabled);
    model.updated_at = Set(now);
    let txn = db.begin().await?;
    let (row, action) = if trunk_id.is_some() {
        (
            model.update(&txn).await.map_err(conflict_on("name"))?,
            "update",
        )
    } else {
        (
            model.insert(&txn).await.map_err(conflict_on("name"))?,
            "create",
        )
    };
    actor
        .audit(&txn, action, "carrier_trunk", row.id, audit)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes trunk `trunk_id` of carrier `carrier_id`.
///
/// # Errors
/// `NotFound` (another tenant's or another carrier's trunk too), `Forbidden`.
pub async fn delete_trunk(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    trunk_id: i64,
) -> Result<(), ServiceError> {
    get_carrier(db, actor, carrier_id).await?;
    let trunk = find_scoped::<trunks::Entity>(db, actor, trunk_id).await?;
    if trunk.carrier_id != carrier_id {
        return Err(ServiceError::NotFound);
    }
    let txn = db.begin().await?;
    trunks::Entity::delete_by_id(trunk_id).exec(&txn).await?;
    let audit = Changes::new()
        .field("carrier_id", carrier_id, serde_json::Value::Null)
        .field("name", trunk.name, serde_json::Value::Null)
        .field(
            "host",
            format!("{}:{}", trunk.host, trunk.port),
            serde_json::Value::Null,
        );
    actor
        .audit(&txn, "delete", "carrier_trunk", trunk_id, audit)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_ip_addresses_or_rfc1123_names() {
        for ok in [
            "203.0.113.10",
            "2001:db8::1",
            "sip.carrier.example",
            "sip-1.example.com.",
            "localhost",
        ] {
            assert!(valid_host(ok), "{ok}");
        }
        for bad in [
            "",
            "sip:carrier.example",
            "-bad.example",
            "bad-.example",
            "a..b",
            "203.0.113.999",
            "host name",
            "203.0.113.10:5060",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }

    #[test]
    fn trunk_defaults_and_errors_name_their_fields() {
        let t = check_trunk(
            &TrunkInput {
                name: "Primary".into(),
                host: "[2001:DB8::1]".into(),
                transport: "TLS".into(),
                codecs: "g729, pcma,G729".into(),
                enabled: true,
                ..Default::default()
            },
            false,
        )
        .unwrap();
        assert_eq!(
            (
                t.host.as_str(),
                t.port,
                t.transport.as_str(),
                t.codecs.as_str()
            ),
            ("2001:db8::1", 5061, "tls", "G729,PCMA")
        );
        let Err(ServiceError::Validation(errors)) = check_trunk(
            &TrunkInput {
                host: "sip:x".into(),
                port: "70000".into(),
                username: "u".into(),
                codecs: "AMR".into(),
                ..Default::default()
            },
            false,
        ) else {
            panic!("bad trunk accepted");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "host", "port", "password", "codecs"]);
    }
}
