use super::helpers::{actor, services};
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use services::ServiceError;
use services::audit::Origin;
use services::entities::{audit_log, users as user_rows};
use services::preferences;
use services::users::{self, NewUser, UserQuery, UserSort};

fn new_user(email: &str, role: &str) -> NewUser {
    NewUser {
        email: email.to_owned(),
        display_name: format!("User {email}"),
        role: role.to_owned(),
        password: "long-enough-pw".to_owned(),
        customer_id: None,
        carrier_id: None,
    }
}

fn origin(ip: &str) -> Origin {
    Origin {
        ip: Some(ip.to_owned()),
        user_agent: None,
    }
}

async fn seeded(db: &DatabaseConnection) -> i64 {
    assert!(services::seed::seed_demo(db).await.unwrap());
    assert!(
        !services::seed::seed_demo(db).await.unwrap(),
        "seeding twice adds nothing"
    );
    user_rows::Entity::find().count(db).await.unwrap() as i64
}

async fn create_list_and_audit(db: DatabaseConnection) {
    seeded(&db).await;
    let boss = actor(1, Role::SuperAdmin);
    let user = users::create_user(
        &db,
        &boss,
        new_user("  New.Person@Example.COM ", "customer"),
    )
    .await
    .unwrap();
    assert_eq!(user.email, "new.person@example.com");
    assert!(user.password_hash.starts_with("$argon2id$"));

    let page = users::list_users(
        &db,
        &boss,
        &UserQuery {
            search: Some("PERSON".into()),
            page: 1,
            per_page: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, user.id);

    let customers = users::list_users(
        &db,
        &boss,
        &UserQuery {
            role: Some(Role::Customer),
            sort: UserSort::Newest,
            page: 1,
            per_page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(customers.total, 2);
    assert_eq!(customers.items.len(), 1);
    assert_eq!(customers.items[0].id, user.id, "newest first");

    let counts = users::count_by_role(&db, &boss).await.unwrap();
    assert_eq!(counts.len(), 5, "every role is listed");
    assert!(
        counts.contains(&(Role::Customer, 2)) && counts.contains(&(Role::SuperAdmin, 1)),
        "{counts:?}"
    );
    assert!(matches!(
        users::count_by_role(&db, &actor(3, Role::Customer)).await,
        Err(ServiceError::Forbidden)
    ));

    let entries = audit_log::Entity::find().all(&db).await.unwrap();
    let created = entries
        .iter()
        .find(|e| e.action == "create" && e.entity == "user")
        .expect("create audited");
    assert_eq!(
        created.entity_id.as_deref(),
        Some(user.id.to_string().as_str())
    );
    assert_eq!(created.ip.as_deref(), Some("192.0.2.10"));
    assert!(
        created.changes.contains("\"password\":{\"after\":\"***\""),
        "{}",
        created.changes
    );
    assert!(!created.changes.contains("long-enough-pw"));
}

async fn bad_input_names_fields_and_stores_nothing(db: DatabaseConnection) {
    let before = seeded(&db).await;
    let boss = actor(1, Role::SuperAdmin);
    let err = users::create_user(
        &db,
        &boss,
        NewUser {
            email: "not-an-address".into(),
            display_name: " ".into(),
            role: "root".into(),
            password: "short".into(),
            customer_id: None,
            carrier_id: None,
        },
    )
    .await
    .unwrap_err();
    let ServiceError::Validation(fields) = err else {
        panic!("expected validation, got {err:?}")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["email", "display_name", "role", "password"]);

    let err = users::create_user(&db, &boss, new_user("CUSTOMER@didtron.example", "customer"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Conflict { ref field } if field == "email"),
        "{err:?}"
    );
    assert_eq!(
        user_rows::Entity::find().count(&db).await.unwrap() as i64,
        before
    );
}

async fn staff_cannot_manage_staff_and_customers_see_nothing(db: DatabaseConnection) {
    seeded(&db).await;
    let staff = actor(2, Role::Admin);
    let err = users::create_user(
        &db,
        &staff,
        new_user("boss2@didtron.example", "super_admin"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden));
    assert!(
        users::create_user(&db, &staff, new_user("c2@didtron.example", "carrier"))
            .await
            .is_ok()
    );
    assert!(matches!(
        users::set_disabled(&db, &staff, 1, true).await,
        Err(ServiceError::Forbidden)
    ));

    let customer = actor(3, Role::Customer);
    let q = UserQuery {
        page: 1,
        per_page: 10,
        ..Default::default()
    };
    assert!(matches!(
        users::list_users(&db, &customer, &q).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        users::get_user(&db, &customer, 1).await,
        Err(ServiceError::Forbidden)
    ));
}

async fn sign_in_disable_and_passwords(db: DatabaseConnection) {
    seeded(&db).await;
    let svc = services(db.clone()).await;
    let user = users::authenticate(
        &svc,
        1,
        "Customer@didtron.example",
        services::seed::DEMO_PASSWORD,
        &origin("198.51.100.1"),
    )
    .await
    .unwrap();
    assert!(user.last_login_at.is_some());
    let wrong = users::authenticate(
        &svc,
        1,
        "customer@didtron.example",
        "nope-nope-nope",
        &origin("198.51.100.1"),
    )
    .await;
    assert!(
        matches!(wrong, Err(ServiceError::Unauthorized(ref m)) if m == "wrong e-mail or password")
    );
    let unknown = users::authenticate(
        &svc,
        1,
        "ghost@didtron.example",
        "whatever-pw",
        &origin("198.51.100.1"),
    )
    .await;
    assert!(
        matches!(unknown, Err(ServiceError::Unauthorized(ref m)) if m == "wrong e-mail or password")
    );

    let boss = actor(1, Role::SuperAdmin);
    users::set_disabled(&db, &boss, user.id, true)
        .await
        .unwrap();
    assert!(users::find_active(&db, user.id).await.unwrap().is_none());
    let disabled = users::authenticate(
        &svc,
        1,
        "customer@didtron.example",
        services::seed::DEMO_PASSWORD,
        &origin("198.51.100.1"),
    )
    .await;
    assert!(matches!(disabled, Err(ServiceError::Unauthorized(ref m)) if m.contains("disabled")));
    assert!(matches!(
        users::set_disabled(&db, &boss, 1, true).await,
        Err(ServiceError::Validation(_))
    ));
    users::set_disabled(&db, &boss, user.id, false)
        .await
        .unwrap();

    users::reset_password(&db, &boss, user.id, "a-brand-new-pw")
        .await
        .unwrap();
    users::authenticate(
        &svc,
        1,
        "customer@didtron.example",
        "a-brand-new-pw",
        &origin("198.51.100.2"),
    )
    .await
    .unwrap();

    let me = actor(user.id, Role::Customer);
    let err = users::change_own_password(&db, &me, "wrong-current", "another-new-pw")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Validation(ref f) if f[0].field == "current_password"));
    let err = users::change_own_password(&db, &me, "a-brand-new-pw", "short")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Validation(ref f) if f[0].field == "new_password"));
    users::change_own_password(&db, &me, "a-brand-new-pw", "another-new-pw")
        .await
        .unwrap();
    users::authenticate(
        &svc,
        1,
        "customer@didtron.example",
        "another-new-pw",
        &origin("198.51.100.3"),
    )
    .await
    .unwrap();
}

async fn ten_failures_lock_the_account_and_the_ip(db: DatabaseConnection) {
    seeded(&db).await;
    let svc = services(db.clone()).await;
    for _ in 0..10 {
        let r = users::authenticate(
            &svc,
            1,
            "carrier@didtron.example",
            "wrong-password",
            &origin("203.0.113.7"),
        )
        .await;
        assert!(matches!(r, Err(ServiceError::Unauthorized(_))));
    }
    // The right password from another IP is still refused: the account is locked.
    let r = users::authenticate(
        &svc,
        1,
        "carrier@didtron.example",
        services::seed::DEMO_PASSWORD,
        &origin("203.0.113.8"),
    )
    .await;
    assert!(
        matches!(r, Err(ServiceError::RateLimited { retry_after_seconds }) if retry_after_seconds > 800)
    );
    // Another account from the locked IP is refused too.
    let r = users::authenticate(
        &svc,
        1,
        "switch@didtron.example",
        services::seed::DEMO_PASSWORD,
        &origin("203.0.113.7"),
    )
    .await;
    assert!(matches!(r, Err(ServiceError::RateLimited { .. })));
    // Another account from another IP signs in.
    users::authenticate(
        &svc,
        1,
        "switch@didtron.example",
        services::seed::DEMO_PASSWORD,
        &origin("203.0.113.9"),
    )
    .await
    .unwrap();
}

async fn themes_and_workspace_tabs_persist(db: DatabaseConnection) {
    seeded(&db).await;
    let me = actor(3, Role::Customer);
    preferences::set_theme(&db, &me, "dark").await.unwrap();
    assert!(
        matches!(preferences::set_theme(&db, &me, "pink").await, Err(ServiceError::Validation(ref f)) if f[0].field == "theme")
    );
    assert_eq!(
        user_rows::Entity::find_by_id(3)
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .theme,
        "dark"
    );

    for i in 0..15 {
        preferences::update_ui_state(&db, 3, |s| s.tabs.push(format!("/customer/page{i}")))
            .await
            .unwrap();
    }
    preferences::update_ui_state(&db, 3, |s| s.tabs.push("/customer/page14".into()))
        .await
        .unwrap();
    let state = preferences::update_ui_state(&db, 3, |s| {
        s.submenu_collapsed = true;
        s.tabs.push("javascript:alert(1)".into());
    })
    .await
    .unwrap();
    assert_eq!(state.tabs.len(), preferences::MAX_TABS);
    assert_eq!(
        state.tabs.first().map(String::as_str),
        Some("/customer/page3")
    );
    assert_eq!(
        state.tabs.last().map(String::as_str),
        Some("/customer/page14")
    );
    assert_eq!(preferences::ui_state(&db, 3).await.unwrap(), state);
    assert!(state.submenu_collapsed);
}

on_both_databases!(
    create_list_and_audit,
    bad_input_names_fields_and_stores_nothing,
    staff_cannot_manage_staff_and_customers_see_nothing,
    sign_in_disable_and_passwords,
    ten_failures_lock_the_account_and_the_ip,
    themes_and_workspace_tabs_persist,
);
