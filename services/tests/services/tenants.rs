//! Tenants, customers, categories and groups:
//! validation, and isolation between tenants for every entity.

use super::helpers::{actor_in, services};
use crate::on_both_databases;
use domain::access::Role;
use domain::features::{Audience, Feature};
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::audit::{self, AuditQuery};
use services::tenants::{self, TenantInput};
use services::{api_keys, categories, customers, features, users};

pub(super) fn brand(name: &str, domains: &str) -> TenantInput {
    TenantInput {
        name: name.into(),
        slug: name.to_lowercase(),
        domains: domains.into(),
        primary_color: "#0ea5e9".into(),
        support_email: format!("help@{}.example", name.to_lowercase()),
        default_currency: "GBP".into(),
    }
}

pub(super) fn fields(err: ServiceError) -> Vec<String> {
    match err {
        ServiceError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// Everything tenant B owns, created by B's admin, for tenant A's staff to look for.
struct TenantB {
    tenant: i64,
    category: i64,
    group: i64,
    customer: i64,
    user: i64,
    assignment: i64,
    key: i64,
    key_token: String,
}

async fn tenant_b(db: &DatabaseConnection) -> TenantB {
    let root = actor_in(1, 1, Role::SuperAdmin);
    let t = tenants::create_tenant(
        db,
        &root,
        brand("Bravo", "bravo.example, www.bravo.example:8443"),
    )
    .await
    .unwrap();
    assert_eq!(t.domains, vec!["bravo.example", "www.bravo.example"]);
    assert_eq!(t.row.primary_color, "#0EA5E9");
    let admin = actor_in(t.row.id, 1, Role::SuperAdmin);
    let b_admin = users::create_user(
        db,
        &admin,
        users::NewUser {
            email: "admin@bravo.example".into(),
            display_name: "Bravo Admin".into(),
            role: "admin".into(),
            password: "long-enough-pw".into(),
            customer_id: None,
            carrier_id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(b_admin.tenant_id, t.row.id);
    let b = actor_in(t.row.id, b_admin.id, Role::Admin);
    let category = categories::create_category(db, &b, "Wholesale", "")
        .await
        .unwrap();
    let group = categories::create_group(db, &b, category.id, "Gold", "")
        .await
        .unwrap();
    let customer = customers::create_customer(
        db,
        &b,
        customers::CustomerInput {
            company_name: "Bravo Customer".into(),
            contact_email: "c@bravo.example".into(),
            group_id: Some(group.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        customer.billing_currency, "GBP",
        "the tenant's default currency"
    );
    assert_eq!(
        customer.category_id,
        Some(category.id),
        "taken from the group"
    );
    assert_eq!(
        (customer.billing_type.as_str(), customer.status.as_str()),
        ("prepaid", "active")
    );
    let assignment = features::assign(db, &b, Feature::Dids, Audience::Group(group.id))
        .await
        .unwrap();
    let key = api_keys::create_key(db, &b, "billing sync", &["customers:read".into()])
        .await
        .unwrap();
    TenantB {
        tenant: t.row.id,
        category: category.id,
        group: group.id,
        customer: customer.id,
        user: b_admin.id,
        assignment: assignment.id,
        key: key.key.id,
        key_token: key.token,
    }
}

async fn tenants_are_isolated(db: DatabaseConnection) {
    services::seed::seed_demo(&db).await.unwrap();
    let b = tenant_b(&db).await;
    // Tenant A's staff (the demo staff user, id 2) and a super admin acting on A's host.
    for a in [
        actor_in(1, 2, Role::Admin),
        actor_in(1, 1, Role::SuperAdmin),
    ] {
        assert!(matches!(
            users::get_user(&db, &a, b.user).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            customers::get_customer(&db, &a, b.customer).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            customers::update_customer(&db, &a, b.customer, Default::default()).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            customers::customer_users(&db, &a, b.customer).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            categories::update_category(&db, &a, b.category, "X", "").await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            categories::delete_group(&db, &a, b.group).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            features::unassign(&db, &a, b.assignment).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            api_keys::revoke_key(&db, &a, b.key).await,
            Err(ServiceError::NotFound)
        ));
        // B's group is not a valid target in A.
        assert_eq!(
            fields(
                features::assign(&db, &a, Feature::Dids, Audience::Group(b.group))
                    .await
                    .unwrap_err()
            ),
            ["audience"]
        );
        assert_eq!(
            fields(
                customers::create_customer(
                    &db,
                    &a,
                    customers::CustomerInput {
                        company_name: "Sneaky".into(),
                        contact_email: "s@a.example".into(),
                        group_id: Some(b.group),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err()
            ),
            ["group_id"]
        );

        let users_a = users::list_users(
            &db,
            &a,
            &users::UserQuery {
                page: 1,
                per_page: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(users_a.items.iter().all(|u| u.tenant_id == 1), "users list");
        assert_eq!(users_a.total, 5, "the five demo users of tenant A");
        let custs = customers::list_customers(
            &db,
            &a,
            &customers::CustomerQuery {
                page: 1,
                per_page: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            custs.items.iter().all(|c| c.tenant_id == 1) && custs.total == 2,
            "customers list"
        );
        assert!(
            customers::export_customers(&db, &a, &Default::default())
                .await
                .unwrap()
                .iter()
                .all(|c| c.tenant_id == 1)
        );
        let cats = categories::list_categories(&db, &a).await.unwrap();
        assert!(
            cats.iter().all(
                |c| c.category.tenant_id == 1 && c.groups.iter().all(|(g, _)| g.tenant_id == 1)
            )
        );
        assert!(
            features::describe_assignments(&db, &a)
                .await
                .unwrap()
                .iter()
                .all(|(x, _)| x.id != b.assignment)
        );
        let entries = audit::list_entries(
            &db,
            &a,
            &AuditQuery {
                page: 1,
                per_page: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(entries.items.iter().all(|e| e.tenant_id == 1), "audit list");
        assert!(
            api_keys::list_keys(&db, &a)
                .await
                .unwrap()
                .iter()
                .all(|k| k.tenant_id == 1)
        );
    }
    // A tenant admin sees only its own tenant; the super admin all of them.
    let b_admin = actor_in(b.tenant, b.user, Role::Admin);
    let seen: Vec<i64> = tenants::list_tenants(&db, &b_admin)
        .await
        .unwrap()
        .iter()
        .map(|t| t.row.id)
        .collect();
    assert_eq!(seen, vec![b.tenant]);
    assert!(matches!(
        tenants::get_tenant(&db, &b_admin, 1).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        tenants::update_tenant(&db, &b_admin, 1, brand("Hijack", "hijack.example")).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        tenants::create_tenant(&db, &b_admin, brand("Own", "own.example")).await,
        Err(ServiceError::Forbidden)
    ));
    // A tenant admin edits its brand, but not which hosts serve it.
    let mut own = brand("Bravo", "bravo.example, www.bravo.example");
    own.name = "Bravo Voice".into();
    assert_eq!(
        tenants::update_tenant(&db, &b_admin, b.tenant, own.clone())
            .await
            .unwrap()
            .row
            .name,
        "Bravo Voice"
    );
    own.domains = "bravo.example, www.bravo.example, stolen.example".into();
    own.slug = "other".into();
    let mut refused = fields(
        tenants::update_tenant(&db, &b_admin, b.tenant, own)
            .await
            .unwrap_err(),
    );
    refused.sort();
    assert_eq!(refused, ["domains", "slug"]);
    assert!(
        tenants::resolve_host(&db, "stolen.example")
            .await
            .unwrap()
            .is_none()
    );
    // The operator gives a brand its admins; a tenant admin cannot.
    let root = actor_in(1, 1, Role::SuperAdmin);
    let second = tenants::add_tenant_admin(
        &db,
        &root,
        b.tenant,
        "second@bravo.example",
        "Second",
        "long-enough-pw",
    )
    .await
    .unwrap();
    assert_eq!(
        (second.tenant_id, second.role.as_str()),
        (b.tenant, "admin")
    );
    assert!(matches!(
        tenants::add_tenant_admin(
            &db,
            &b_admin,
            b.tenant,
            "third@bravo.example",
            "Third",
            "long-enough-pw"
        )
        .await,
        Err(ServiceError::Forbidden)
    ));
    let admins: Vec<String> = tenants::tenant_admins(&db, &b_admin, b.tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(admins, ["admin@bravo.example", "second@bravo.example"]);
    assert_eq!(
        tenants::list_tenants(&db, &actor_in(1, 1, Role::SuperAdmin))
            .await
            .unwrap()
            .len(),
        3
    );
    let all = audit::list_entries(
        &db,
        &actor_in(1, 1, Role::SuperAdmin),
        &AuditQuery {
            all_tenants: true,
            page: 1,
            per_page: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        all.items.iter().any(|e| e.tenant_id == b.tenant)
            && all.items.iter().any(|e| e.tenant_id == 1)
    );
    // Tenant A's admin cannot widen the audit log to every tenant.
    let mine = audit::list_entries(
        &db,
        &actor_in(1, 2, Role::Admin),
        &AuditQuery {
            all_tenants: true,
            page: 1,
            per_page: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(mine.items.iter().all(|e| e.tenant_id == 1));

    // Hosts pick tenants; B's key does not work on A's host.
    assert_eq!(
        tenants::resolve_host(&db, "WWW.Bravo.example:443")
            .await
            .unwrap()
            .map(|t| t.id),
        Some(b.tenant)
    );
    assert_eq!(
        tenants::resolve_host(&db, "127.0.0.1:3000")
            .await
            .unwrap()
            .map(|t| t.id),
        Some(1)
    );
    assert!(
        tenants::resolve_host(&db, "unknown.example")
            .await
            .unwrap()
            .is_none()
    );
    assert!(api_keys::authenticate(&db, 1, &b.key_token).await.is_err());
    assert!(
        api_keys::authenticate(&db, b.tenant, &b.key_token)
            .await
            .is_ok()
    );
    // B's users sign in on B's host only.
    let svc = services(db.clone()).await;
    let origin = services::audit::Origin::default();
    assert!(
        users::authenticate(&svc, 1, "admin@bravo.example", "long-enough-pw", &origin)
            .await
            .is_err()
    );
    assert!(
        users::authenticate(
            &svc,
            b.tenant,
            "admin@bravo.example",
            "long-enough-pw",
            &origin
        )
        .await
        .is_ok()
    );
    // Not even the super admin types the operator's password on a reseller's domain.
    assert!(
        users::authenticate(
            &svc,
            b.tenant,
            "superadmin@didtron.example",
            services::seed::DEMO_PASSWORD,
            &origin
        )
        .await
        .is_err()
    );
    assert!(
        users::authenticate(
            &svc,
            b.tenant,
            "staff@didtron.example",
            services::seed::DEMO_PASSWORD,
            &origin
        )
        .await
        .is_err()
    );
}

on_both_databases!(tenants_are_isolated,);
