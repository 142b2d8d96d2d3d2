//! The A-Z destination database: seeded from the numbering plan on both databases, searched,
//! and extended by an A-Z file whose bad rows are named while the good ones are kept.

use super::helpers::{actor, services};
use crate::on_both_databases;
use domain::access::Role;
use domain::destinations::DestinationKind;
use domain::number::E164;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::destinations::{self, DestinationQuery};

async fn a_z_database(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let counts = destinations::counts(db).await.unwrap();
    let count = |k: DestinationKind| counts.iter().find(|(kind, _)| *kind == k).unwrap().1;
    assert!(count(DestinationKind::Fixed) > 600, "{counts:?}");
    assert_eq!(count(DestinationKind::Satellite), 2, "+870 and +881");
    assert_eq!(count(DestinationKind::TollFree), 1, "+800");
    assert_eq!(count(DestinationKind::Premium), 1, "+979");
    // Seeding again writes nothing: imports and corrections are kept.
    assert_eq!(destinations::seed(db).await.unwrap(), 0);

    let staff = actor(1, Role::Admin);
    let page = |search: &str, kind: Option<DestinationKind>| DestinationQuery {
        search: Some(search.into()),
        kind,
        page: 1,
        per_page: 50,
    };
    let found = destinations::list(db, &staff, &page("new jersey", None))
        .await
        .unwrap();
    assert!(
        found.items.iter().any(|d| d.prefix == "1201"),
        "{:?}",
        found.items
    );
    let found = destinations::list(db, &staff, &page("+1268", None))
        .await
        .unwrap();
    assert_eq!(found.items[0].name, "Antigua & Barbuda");
    // Written as people write numbers.
    for typed in ["+1 268", "001-268", "(1) 268"] {
        let found = destinations::list(db, &staff, &page(typed, None))
            .await
            .unwrap();
        assert_eq!(found.items[0].name, "Antigua & Barbuda", "{typed}");
    }
    let found = destinations::list(db, &staff, &page("", Some(DestinationKind::Satellite)))
        .await
        .unwrap();
    assert_eq!(found.total, 2);

    let file = "Prefix;Country;Destination;Type;Region\n\
                447;United Kingdom;United Kingdom Mobile;Mobile;gb\n\
                44X;United Kingdom;Bad;fixed;GB\n\
                4470;United Kingdom;UK Personal;pager;GB\n\
                +4490;United Kingdom;UK Premium;premium rate;GB\n";
    let summary = destinations::import_csv(db, &staff, file.as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.written, 2);
    let lines: Vec<u64> = summary.errors.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4]);
    assert!(
        summary.errors[1]
            .1
            .contains("unknown destination type `pager`")
    );
    let index = destinations::index(db).await.unwrap();
    let at = |n: &str| index.lookup(E164::parse(n).unwrap()).unwrap().clone();
    assert_eq!(at("447700900123").kind, DestinationKind::Mobile);
    assert_eq!(at("447700900123").region, "GB");
    assert_eq!(at("449012345678").kind, DestinationKind::Premium);
    assert_eq!(
        at("442079460000").name,
        "UK",
        "as the numbering data names it"
    );

    // Bad files are refused whole, saying why; nothing changes.
    for (bytes, expected) in [
        ("", "is empty"),
        (
            "prefix,name\n44,UK\n",
            "needs a header with prefix, country and type",
        ),
        (
            "prefix,country,type\nabc,UK,fixed\n",
            "has no row that can be imported; line 2",
        ),
    ] {
        let err = destinations::import_csv(db, &staff, bytes.as_bytes())
            .await
            .unwrap_err();
        let ServiceError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors[0].field, "file");
        assert!(
            errors[0].message.contains(expected),
            "{}",
            errors[0].message
        );
    }
    // Switch operators look things up; only staff import; customers see nothing.
    let switch = actor(2, Role::SwitchOperator);
    destinations::list(db, &switch, &page("44", None))
        .await
        .unwrap();
    let err = destinations::import_csv(db, &switch, file.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
    let err = destinations::list(db, &actor(3, Role::Customer), &page("44", None))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
}

on_both_databases!(a_z_database,);
