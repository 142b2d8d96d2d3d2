//! Carriers and their trunks: validation naming each field, who may manage them, tenant
//! isolation, and audit entries that never hold a trunk password.

use super::helpers::{actor, actor_in};
use super::tenants::{brand, fields};
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::audit::{self, AuditQuery};
use services::carriers::{self, CarrierInput, CarrierQuery, TrunkInput};
use services::tenants;

fn carrier(name: &str) -> CarrierInput {
    CarrierInput {
        name: name.into(),
        currency: "usd".into(),
        technical_prefix: "4401#".into(),
        max_cps: "50".into(),
        max_channels: "".into(),
        noc_email: "NOC@Carrier.example".into(),
        ..Default::default()
    }
}

fn trunk(name: &str, host: &str) -> TrunkInput {
    TrunkInput {
        name: name.into(),
        host: host.into(),
        username: "didtron".into(),
        password: "s3cret-digest".into(),
        codecs: "PCMA,G729".into(),
        enabled: true,
        ..Default::default()
    }
}

async fn carriers_and_trunks(db: DatabaseConnection) {
    let admin = actor(1, Role::SuperAdmin);
    let c = carriers::create_carrier(&db, &admin, carrier("Telia Carrier"))
        .await
        .unwrap();
    assert_eq!(
        (
            c.currency.as_str(),
            c.status.as_str(),
            c.max_cps,
            c.max_channels
        ),
        ("USD", "active", 50, 0)
    );
    assert_eq!(c.noc_email, "noc@carrier.example");

    // Every bad field is named at once; nothing is stored.
    let bad = CarrierInput {
        name: " ".into(),
        currency: "XYZ".into(),
        status: "paused".into(),
        technical_prefix: "12a".into(),
        max_cps: "-1".into(),
        max_channels: "lots".into(),
        noc_email: "not-an-email".into(),
        ..Default::default()
    };
    let err = carriers::create_carrier(&db, &admin, bad)
        .await
        .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "name",
            "currency",
            "status",
            "technical_prefix",
            "max_cps",
            "max_channels",
            "noc_email"
        ]
    );
    let err = carriers::create_carrier(&db, &admin, carrier("Telia Carrier"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Conflict { ref field } if field == "name"),
        "{err:?}"
    );

    // Trunks: defaults, a duplicate name, credentials kept on update when left empty.
    let t = carriers::save_trunk(&db, &admin, c.id, None, trunk("Primary", "203.0.113.10"))
        .await
        .unwrap();
    assert_eq!(
        (t.port, t.transport.as_str(), t.codecs.as_str()),
        (5060, "udp", "PCMA,G729")
    );
    let err = carriers::save_trunk(&db, &admin, c.id, None, trunk("Primary", "203.0.113.11"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
    let err = carriers::save_trunk(&db, &admin, c.id, None, trunk("Backup", "203.0.113.300"))
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["host"]);
    let updated = carriers::save_trunk(
        &db,
        &admin,
        c.id,
        Some(t.id),
        TrunkInput {
            password: String::new(),
            port: "5080".into(),
            ..trunk("Primary", "sip.telia.example")
        },
    )
    .await
    .unwrap();
    assert_eq!(
        updated.password, "s3cret-digest",
        "an empty password keeps the stored one"
    );
    assert_eq!(
        (updated.host.as_str(), updated.port),
        ("sip.telia.example", 5080)
    );
    let backup = carriers::save_trunk(
        &db,
        &admin,
        c.id,
        None,
        TrunkInput {
            enabled: false,
            username: String::new(),
            password: String::new(),
            ..trunk("Backup", "2001:db8::10")
        },
    )
    .await
    .unwrap();
    assert_eq!(backup.password, "");

    // Lists: search, status filter, trunk counts.
    let other = carriers::create_carrier(
        &db,
        &admin,
        CarrierInput {
            status: "testing".into(),
            ..carrier("Acme Voice")
        },
    )
    .await
    .unwrap();
    let all = carriers::list_carriers(
        &db,
        &admin,
        &CarrierQuery {
            page: 1,
            per_page: 25,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let names: Vec<_> = all.items.iter().map(|s| s.carrier.name.as_str()).collect();
    assert_eq!(names, ["Acme Voice", "Telia Carrier"]);
    assert_eq!((all.items[1].trunks, all.items[1].enabled_trunks), (2, 1));
    let testing = carriers::list_carriers(
        &db,
        &admin,
        &CarrierQuery {
            status: Some("testing".into()),
            search: Some("acme".into()),
            page: 1,
            per_page: 25,
        },
    )
    .await
    .unwrap();
    assert_eq!(testing.total, 1);
    assert_eq!(testing.items[0].carrier.id, other.id);

    // A trunk is reached only through its own carrier.
    let err = carriers::delete_trunk(&db, &admin, other.id, t.id)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound), "{err:?}");
    carriers::delete_trunk(&db, &admin, c.id, backup.id)
        .await
        .unwrap();
    assert_eq!(
        carriers::list_trunks(&db, &admin, c.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Switch operators manage carriers too; customers and carriers' own users may not.
    let switch = actor(2, Role::SwitchOperator);
    carriers::update_carrier(
        &db,
        &switch,
        c.id,
        CarrierInput {
            max_channels: "300".into(),
            ..carrier("Telia Carrier")
        },
    )
    .await
    .unwrap();
    for role in [Role::Customer, Role::Carrier] {
        let err = carriers::get_carrier(&db, &actor(3, role), c.id)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden), "{role:?}: {err:?}");
    }

    // Another tenant sees none of it.
    let root = actor(1, Role::SuperAdmin);
    let b = tenants::create_tenant(&db, &root, brand("Bravo", "bravo.example"))
        .await
        .unwrap();
    let b_admin = actor_in(b.row.id, 1, Role::Admin);
    let err = carriers::get_carrier(&db, &b_admin, c.id)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound), "{err:?}");
    let err = carriers::save_trunk(&db, &b_admin, c.id, None, trunk("X", "198.51.100.1"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound), "{err:?}");
    let listed = carriers::list_carriers(
        &db,
        &b_admin,
        &CarrierQuery {
            page: 1,
            per_page: 25,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.total, 0);
    // Names are unique per tenant only.
    carriers::create_carrier(&db, &b_admin, carrier("Telia Carrier"))
        .await
        .unwrap();

    // Every write is audited; the password never is.
    let entries = audit::list_entries(
        &db,
        &admin,
        &AuditQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .items;
    let about = |entity: &str, action: &str| {
        entries
            .iter()
            .filter(|e| e.entity == entity && e.action == action)
            .count()
    };
    assert_eq!(about("carrier", "create"), 2);
    assert_eq!(about("carrier", "update"), 1);
    assert_eq!(about("carrier_trunk", "create"), 2);
    assert_eq!(about("carrier_trunk", "update"), 1);
    assert_eq!(about("carrier_trunk", "delete"), 1);
    assert!(entries.iter().all(|e| !e.changes.contains("s3cret")));
    let created = entries
        .iter()
        .find(|e| {
            e.entity == "carrier_trunk"
                && e.action == "create"
                && e.entity_id == Some(t.id.to_string())
        })
        .unwrap();
    assert!(created.changes.contains("password"), "{}", created.changes);
}

on_both_databases!(carriers_and_trunks,);
