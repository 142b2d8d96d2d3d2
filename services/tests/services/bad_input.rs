//! Bad input for tenants, logos and customers: every bad field is named and nothing is stored.

use super::helpers::{actor_in, services};
use super::tenants::{brand, fields};
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use services::ServiceError;
use services::entities::tenants as tenant_rows;
use services::{customers, tenants};

async fn bad_input_is_refused_and_nothing_is_stored(db: DatabaseConnection) {
    services::seed::seed_demo(&db).await.unwrap();
    let root = actor_in(1, 1, Role::SuperAdmin);
    let before = tenant_rows::Entity::find().count(&db).await.unwrap();
    let mut bad = brand("Charlie", "voicehub.localhost, not_a host");
    bad.primary_color = "blurple".into();
    bad.default_currency = "XYZ".into();
    bad.support_email = "nope".into();
    bad.slug = "Bad Slug!".into();
    let mut got = fields(tenants::create_tenant(&db, &root, bad).await.unwrap_err());
    got.sort();
    assert_eq!(
        got,
        [
            "default_currency",
            "domains",
            "primary_color",
            "slug",
            "support_email"
        ]
    );
    // A domain that serves another tenant is named.
    let err = tenants::create_tenant(&db, &root, brand("Charlie", "voicehub.localhost"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`voicehub.localhost` already serves another tenant"),
        "{err}"
    );
    assert_eq!(
        tenant_rows::Entity::find().count(&db).await.unwrap(),
        before,
        "nothing stored"
    );

    // Logos: images up to 2 MB only.
    let svc = services(db.clone()).await;
    let png = {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.resize(64, 0);
        v
    };
    assert_eq!(
        fields(
            tenants::set_logo(
                &db,
                svc.objects.as_ref(),
                &root,
                1,
                b"plain text, not an image".to_vec()
            )
            .await
            .unwrap_err()
        ),
        ["logo"]
    );
    let mut huge = png.clone();
    huge.resize(2 * 1024 * 1024 + 1, 0);
    let err = tenants::set_logo(&db, svc.objects.as_ref(), &root, 1, huge)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 2 MB"), "{err}");
    assert!(
        tenant_rows::Entity::find_by_id(1)
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .logo_key
            .is_none()
    );
    let t = tenants::set_logo(&db, svc.objects.as_ref(), &root, 1, png.clone())
        .await
        .unwrap();
    assert_eq!(t.row.logo_content_type.as_deref(), Some("image/png"));
    assert_eq!(
        tenants::logo(svc.objects.as_ref(), &t.row).await.unwrap(),
        Some(("image/png".into(), png))
    );

    // Customers: every bad field named.
    let staff = actor_in(1, 2, Role::Admin);
    let mut got = fields(
        customers::create_customer(
            &db,
            &staff,
            customers::CustomerInput {
                company_name: " ".into(),
                contact_email: "x".into(),
                contact_phone: "call me".into(),
                billing_currency: "EURO".into(),
                billing_type: "monthly".into(),
                credit_limit: "-5".into(),
                status: "gone".into(),
                category_id: Some(999),
                ..Default::default()
            },
        )
        .await
        .unwrap_err(),
    );
    got.sort();
    assert_eq!(
        got,
        [
            "billing_currency",
            "billing_type",
            "category_id",
            "company_name",
            "contact_email",
            "contact_phone",
            "credit_limit",
            "status"
        ]
    );
    // Credit limits have the currency's decimals: none for JPY, three for BHD.
    let yen = |limit: &str, currency: &str| customers::CustomerInput {
        company_name: format!("Yen {limit} {currency}"),
        contact_email: "y@x.example".into(),
        billing_currency: currency.into(),
        credit_limit: limit.into(),
        ..Default::default()
    };
    assert_eq!(
        fields(
            customers::create_customer(&db, &staff, yen("100.5", "JPY"))
                .await
                .unwrap_err()
        ),
        ["credit_limit"]
    );
    assert_eq!(
        customers::create_customer(&db, &staff, yen("10.125", "BHD"))
            .await
            .unwrap()
            .credit_limit,
        "10.125"
    );
    assert_eq!(
        fields(
            customers::create_customer(&db, &staff, yen("2000000000", "USD"))
                .await
                .unwrap_err()
        ),
        ["credit_limit"]
    );
    let err = customers::create_customer(
        &db,
        &staff,
        customers::CustomerInput {
            company_name: "Acme Telecom Ltd".into(),
            contact_email: "dup@x.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ServiceError::Conflict { ref field } if field == "company_name"),
        "{err:?}"
    );
    // A customer user cannot manage customers.
    let cust = actor_in(1, 3, Role::Customer);
    assert!(matches!(
        customers::list_customers(&db, &cust, &Default::default()).await,
        Err(ServiceError::Forbidden)
    ));
}

on_both_databases!(bad_input_is_refused_and_nothing_is_stored);
