//! Demo data for a first start: one user per role, printed at start-up so a new user can sign in.

use crate::audit::{self, Changes, Origin};
use crate::entities::users;
use crate::error::ServiceError;
use crate::passwords;
use chrono::Utc;
use domain::access::Role;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait,
};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-pass-2026";

/// The demo users: (e-mail, display name, role).
pub const DEMO_USERS: [(&str, &str, Role); 5] = [
    ("superadmin@didtron.example", "Sam Super", Role::SuperAdmin),
    ("staff@didtron.example", "Alex Staff", Role::Admin),
    ("customer@didtron.example", "Cora Customer", Role::Customer),
    ("carrier@didtron.example", "Carl Carrier", Role::Carrier),
    ("switch@didtron.example", "Sid Switch", Role::SwitchOperator),
];

/// Creates the demo users when the database has no user at all; returns whether it did.
///
/// # Errors
/// Database errors (nothing is half-written: one transaction).
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, ServiceError> {
    if users::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let hash = passwords::hash(DEMO_PASSWORD).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    for (email, name, role) in DEMO_USERS {
        let user = crate::users::new_row(email, name, role, hash.clone(), now)
            .insert(&txn)
            .await?;
        audit::record(
            &txn,
            None,
            None,
            &Origin::default(),
            "seed",
            "user",
            Some(user.id.to_string()),
            Changes::new().field("email", None::<String>, email).field(
                "role",
                None::<String>,
                role.as_str(),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}
