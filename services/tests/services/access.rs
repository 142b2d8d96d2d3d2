//! Feature assignment and its guard, API keys, and the append-only audit log, on both
//! databases.

use super::helpers::actor_in;
use crate::on_both_databases;
use domain::access::Role;
use domain::features::{Audience, Feature};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use services::ServiceError;
use services::audit::{self, AuditQuery};
use services::entities::{api_keys as key_rows, audit_log, users as user_rows};
use services::{api_keys, customers, features};

fn fields(err: ServiceError) -> Vec<String> {
    match err {
        ServiceError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn the_audit_log_is_append_only(db: DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    services::seed::seed_demo(&db).await.unwrap();
    let before = audit_log::Entity::find().count(&db).await.unwrap();
    assert!(before > 0);
    let update = db
        .execute_unprepared("UPDATE audit_log SET action = 'forged'")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(audit_log::Entity::find().count(&db).await.unwrap(), before);
}

async fn features_follow_assignments_and_refusals_are_audited(db: DatabaseConnection) {
    services::seed::seed_demo(&db).await.unwrap();
    let staff = actor_in(1, 2, Role::Admin);
    let cora = user_rows::Entity::find()
        .filter(user_rows::Column::Email.eq("customer@didtron.example"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut me = actor_in(1, cora.id, Role::Customer);
    me.customer_id = cora.customer_id;
    // The demo: Standard voice and referrals to all, API access to Wholesale, SIP tester to
    // Gold.
    assert_eq!(
        features::features_of_actor(&db, &me).await.unwrap(),
        vec![
            Feature::VoiceStandard,
            Feature::SipTester,
            Feature::ApiAccess,
            Feature::Referrals
        ]
    );
    features::require_feature(&db, &me, Feature::ApiAccess)
        .await
        .unwrap();
    assert!(matches!(
        features::require_feature(&db, &me, Feature::CloudPbx).await,
        Err(ServiceError::Forbidden)
    ));
    let refusals = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("feature_refused"))
        .filter(audit_log::Column::EntityId.eq("cloud_pbx"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(refusals, 1);
    // Assigning to the customer by name, then removing it.
    let a = features::assign(
        &db,
        &staff,
        Feature::CloudPbx,
        Audience::Customer(me.customer_id.unwrap()),
    )
    .await
    .unwrap();
    assert!(matches!(
        features::assign(
            &db,
            &staff,
            Feature::CloudPbx,
            Audience::Customer(me.customer_id.unwrap())
        )
        .await,
        Err(ServiceError::Conflict { .. })
    ));
    features::require_feature(&db, &me, Feature::CloudPbx)
        .await
        .unwrap();
    features::unassign(&db, &staff, a.id).await.unwrap();
    assert!(
        features::require_feature(&db, &me, Feature::CloudPbx)
            .await
            .is_err()
    );
    // A suspended customer uses nothing until it is active again.
    let acme = customers::get_customer(&db, &staff, me.customer_id.unwrap())
        .await
        .unwrap();
    let mut input = customers::CustomerInput::from_row(&acme);
    input.status = "suspended".into();
    customers::update_customer(&db, &staff, acme.id, input.clone())
        .await
        .unwrap();
    assert!(
        features::features_of_actor(&db, &me)
            .await
            .unwrap()
            .is_empty()
    );
    input.status = "active".into();
    customers::update_customer(&db, &staff, acme.id, input)
        .await
        .unwrap();
    // Moving the customer out of Wholesale takes API access away.
    let mut input = customers::CustomerInput::from_row(
        &customers::get_customer(&db, &staff, me.customer_id.unwrap())
            .await
            .unwrap(),
    );
    input.category_id = None;
    input.group_id = None;
    customers::update_customer(&db, &staff, me.customer_id.unwrap(), input)
        .await
        .unwrap();
    assert_eq!(
        features::features_of_actor(&db, &me).await.unwrap(),
        vec![Feature::VoiceStandard, Feature::Referrals]
    );
    assert!(matches!(
        api_keys::create_key(&db, &me, "k", &["account:read".into()]).await,
        Err(ServiceError::Forbidden)
    ));
    // The update's audit entry holds only what changed.
    let last = audit::list_entries(
        &db,
        &staff,
        &AuditQuery {
            entity: Some("customer".into()),
            action: Some("update".into()),
            page: 1,
            per_page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let changes: serde_json::Value = serde_json::from_str(&last.items[0].changes).unwrap();
    let mut keys: Vec<&String> = changes.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["category_id", "group_id"]);
}

async fn api_keys_are_hashed_scoped_and_revocable(db: DatabaseConnection) {
    services::seed::seed_demo(&db).await.unwrap();
    let cora = user_rows::Entity::find()
        .filter(user_rows::Column::Email.eq("customer@didtron.example"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut me = actor_in(1, cora.id, Role::Customer);
    me.customer_id = cora.customer_id;
    assert_eq!(
        fields(
            api_keys::create_key(&db, &me, "", &["customers:read".into(), "fly:write".into()])
                .await
                .unwrap_err()
        ),
        ["name", "scopes", "scopes"]
    );
    let created = api_keys::create_key(&db, &me, "CRM", &["account:read".into()])
        .await
        .unwrap();
    assert!(
        created
            .token
            .starts_with(&format!("dtk_{}_", created.key.key_prefix))
    );
    let stored = key_rows::Entity::find_by_id(created.key.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.secret_hash.contains(&created.token[17..]),
        "the secret is not stored"
    );
    assert_eq!(stored.secret_hash.len(), 64);
    let entry = audit::list_entries(
        &db,
        &actor_in(1, 1, Role::SuperAdmin),
        &AuditQuery {
            entity: Some("api_key".into()),
            page: 1,
            per_page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        !entry.items[0].changes.contains(&created.token[17..]),
        "nor audited"
    );

    let who = api_keys::authenticate(&db, 1, &created.token)
        .await
        .unwrap();
    assert_eq!(who.user.id, cora.id);
    assert!(who.has_scope("account:read") && !who.has_scope("customers:read"));
    assert!(
        who.key.last_used_at.is_none(),
        "authenticating alone writes nothing"
    );
    let who = api_keys::record_use(&db, who).await.unwrap();
    assert!(who.key.last_used_at.is_some());
    // Another last character (the secret is random: it may end in `x` itself).
    let swap = if created.token.ends_with('x') {
        'y'
    } else {
        'x'
    };
    let tampered = format!("{}{swap}", &created.token[..created.token.len() - 1]);
    assert!(matches!(
        api_keys::authenticate(&db, 1, &tampered).await,
        Err(ServiceError::Unauthorized(_))
    ));
    assert!(matches!(
        api_keys::authenticate(&db, 1, "Bearer nonsense").await,
        Err(ServiceError::Unauthorized(_))
    ));
    api_keys::revoke_key(&db, &me, created.key.id)
        .await
        .unwrap();
    let err = api_keys::authenticate(&db, 1, &created.token)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    // Another user of the same tenant cannot revoke it.
    assert!(matches!(
        api_keys::revoke_key(&db, &actor_in(1, 2, Role::Admin), created.key.id).await,
        Err(ServiceError::NotFound)
    ));
}

on_both_databases!(
    the_audit_log_is_append_only,
    features_follow_assignments_and_refusals_are_audited,
    api_keys_are_hashed_scoped_and_revocable,
);
