//! SIP trunks of a carrier: where the switch sends its calls (host, port, transport), the
//! digest credentials it answers a challenge with, and the codecs it offers.

use super::get_carrier;
use crate::audit::{Actor, Changes};
use crate::entities::carrier_trunks as trunks;
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::validate::Checks;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, TransactionTrait,
};
use std::net::IpAddr;

/// SIP transports (RFC 3261 section 18; TLS per RFC 5630).
pub const TRANSPORTS: [&str; 3] = ["udp", "tcp", "tls"];
/// Codecs a trunk may offer, by their SDP encoding names (RFC 3551 and the codecs' RFCs).
pub const CODECS: [&str; 7] = ["PCMA", "PCMU", "G729", "G722", "opus", "GSM", "iLBC"];
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
    crate::routes::changed(&txn, actor.tenant_id).await?;
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
    crate::routes::changed(&txn, actor.tenant_id).await?;
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
