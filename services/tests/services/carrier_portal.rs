//! The Carrier portal's rights: a carrier user belongs to one carrier of its tenant, sees,
//! uploads, imports and exports that carrier's rate decks only, and never activates one (the
//! operator does), on SQLite and on PostgreSQL.

use super::decks::{platform, real, run_import};
use super::helpers::actor;
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::carriers::{self, CarrierInput};
use services::decks::{self, DeckOptions, DeckState};
use services::users::{self, NewUser};

fn carrier_input(name: &str) -> CarrierInput {
    CarrierInput {
        name: name.into(),
        currency: "EUR".into(),
        ..Default::default()
    }
}

fn new_user(email: &str, role: &str, carrier_id: Option<i64>) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Deck Desk".into(),
        role: role.into(),
        password: "correct horse battery".into(),
        customer_id: None,
        carrier_id,
    }
}

async fn carrier_users_see_their_own_decks_only(db: DatabaseConnection) {
    let svc = platform(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let ours = carriers::create_carrier(db, &admin, carrier_input("Irontec"))
        .await
        .unwrap();
    let theirs = carriers::create_carrier(db, &admin, carrier_input("Other Carrier"))
        .await
        .unwrap();

    // Only a carrier-role user belongs to a carrier, and only to one of this tenant.
    let err = users::create_user(
        db,
        &admin,
        new_user("c@x.example", "customer", Some(ours.id)),
    )
    .await
    .unwrap_err();
    let ServiceError::Validation(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].field, "carrier_id");
    let err = users::create_user(db, &admin, new_user("c@x.example", "carrier", Some(9_999)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Validation(e) if e[0].field == "carrier_id" && e[0].message.contains("not a carrier of this tenant")),
        "{err:?}"
    );
    let user = users::create_user(
        db,
        &admin,
        new_user("rates@irontec.example", "carrier", Some(ours.id)),
    )
    .await
    .unwrap();
    assert_eq!(user.carrier_id, Some(ours.id));
    let listed = carriers::carrier_users(db, &admin, ours.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        carriers::carrier_users(db, &admin, theirs.id)
            .await
            .unwrap()
            .is_empty()
    );

    let me = services::audit::Actor {
        carrier_id: Some(ours.id),
        ..actor(user.id, Role::Carrier)
    };
    // Its own carrier's decks: upload, preview, import, export.
    let deck = decks::upload_deck(
        &svc,
        &me,
        ours.id,
        "ivozprovider_pricesSample.csv",
        real("ivozprovider_pricesSample.csv"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        deck.uploaded_by,
        "actor".to_owned() + &user.id.to_string() + "@didtron.example"
    );
    let preview = decks::preview_deck(&svc, &me, ours.id, deck.id, &DeckOptions::default(), None)
        .await
        .unwrap();
    assert_eq!(preview.rows, 4743);
    let job = decks::start_import(&svc, &me, ours.id, deck.id, DeckOptions::default(), None)
        .await
        .unwrap();
    run_import(&svc, &job, deck.id).await.unwrap();
    let listed = decks::list_decks(db, &me, ours.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, DeckState::Imported);
    decks::start_export(&svc, &me, ours.id, deck.id, "csv")
        .await
        .unwrap();

    // Activation is the operator's.
    assert!(matches!(
        decks::activate_deck(db, &me, ours.id, deck.id).await,
        Err(ServiceError::Forbidden)
    ));
    decks::activate_deck(db, &admin, ours.id, deck.id)
        .await
        .unwrap();
    assert_eq!(
        decks::get_deck(db, &me, ours.id, deck.id)
            .await
            .unwrap()
            .state,
        DeckState::InForce
    );

    // Another carrier's decks do not exist for it, nor do the carrier pages.
    for result in [
        decks::list_decks(db, &me, theirs.id).await.map(|_| ()),
        decks::get_deck(db, &me, theirs.id, deck.id)
            .await
            .map(|_| ()),
        decks::upload_deck(
            &svc,
            &me,
            theirs.id,
            "a.csv",
            b"prefix,rate\n44,0.1\n".to_vec(),
            None,
        )
        .await
        .map(|_| ()),
    ] {
        assert!(matches!(result, Err(ServiceError::NotFound)), "{result:?}");
    }
    assert!(matches!(
        carriers::get_carrier(db, &me, ours.id).await,
        Err(ServiceError::Forbidden)
    ));

    // A carrier user without a carrier, and a customer, see no deck at all.
    let lost = actor(user.id, Role::Carrier);
    assert!(matches!(
        decks::list_decks(db, &lost, ours.id).await,
        Err(ServiceError::NotFound)
    ));
    let customer = actor(77, Role::Customer);
    assert!(matches!(
        decks::list_decks(db, &customer, ours.id).await,
        Err(ServiceError::Forbidden)
    ));
}

on_both_databases!(carrier_users_see_their_own_decks_only);
