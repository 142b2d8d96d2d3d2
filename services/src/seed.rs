//! Demo data for a first start: one user per role, printed at start-up so a new user can sign in,
//! customer categories and groups, a demo customer with features, and a second brand.

use crate::audit::{self, Actor, Changes, Origin};
use crate::entities::users;
use crate::error::ServiceError;
use crate::passwords;
use crate::tenants::OPERATOR_TENANT_ID;
use chrono::Utc;
use domain::access::Role;
use domain::features::{Audience, Feature};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionTrait,
};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-pass-2026";

/// The demo users of the operator's brand: (e-mail, display name, role).
pub const DEMO_USERS: [(&str, &str, Role); 5] = [
    ("superadmin@didtron.example", "Sam Super", Role::SuperAdmin),
    ("staff@didtron.example", "Alex Staff", Role::Admin),
    ("customer@didtron.example", "Cora Customer", Role::Customer),
    ("carrier@didtron.example", "Carl Carrier", Role::Carrier),
    ("switch@didtron.example", "Sid Switch", Role::SwitchOperator),
];

/// The second demo brand's domain and admin (served on `http://voicehub.localhost:<port>`).
pub const DEMO_BRAND: (&str, &str) = ("voicehub.localhost", "admin@voicehub.example");

/// Creates the demo data when the database has no user at all; returns whether it did. The
/// users land in one transaction; the customers and the second brand go through the use cases
/// (audited) and are each skipped when already there, so a start that failed half-way completes
/// the demo on the next start.
///
/// # Errors
/// Database errors.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, ServiceError> {
    if users::Entity::find().count(db).await? > 0 {
        complete_demo(db).await?;
        return Ok(false);
    }
    let hash = passwords::hash(DEMO_PASSWORD).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut created = Vec::new();
    for (email, name, role) in DEMO_USERS {
        let user = crate::users::new_row(OPERATOR_TENANT_ID, email, name, role, hash.clone(), now)
            .insert(&txn)
            .await?;
        audit::record(
            &txn,
            OPERATOR_TENANT_ID,
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
        created.push(user);
    }
    txn.commit().await?;
    complete_demo(db).await?;
    Ok(true)
}

/// Adds the demo customers and brand when the demo users exist but those do not.
async fn complete_demo(db: &DatabaseConnection) -> Result<(), ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let find = |email: &'static str| {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(db)
    };
    let (Some(admin), Some(cora)) = (find(DEMO_USERS[0].0).await?, find(DEMO_USERS[2].0).await?)
    else {
        return Ok(());
    };
    let actor = Actor {
        tenant_id: OPERATOR_TENANT_ID,
        user_id: admin.id,
        email: admin.email.clone(),
        role: Role::SuperAdmin,
        customer_id: None,
        carrier_id: None,
        ip: None,
        user_agent: Some("seed".to_owned()),
    };
    let no_categories = crate::tenancy::in_tenant::<crate::entities::customer_categories::Entity>(
        OPERATOR_TENANT_ID,
    )
    .count(db)
    .await?
        == 0;
    if no_categories {
        seed_customers(db, &actor, &cora).await?;
    }
    let no_brand = crate::entities::tenants::Entity::find()
        .filter(crate::entities::tenants::Column::Slug.eq("voicehub"))
        .count(db)
        .await?
        == 0;
    if no_brand {
        seed_brand(db, &actor, &admin.password_hash).await?;
    }
    let no_carriers = crate::entities::carriers::Entity::find()
        .filter(crate::entities::carriers::Column::TenantId.eq(actor.tenant_id))
        .count(db)
        .await?
        == 0;
    if no_carriers {
        let contoso = seed_carriers(db, &actor).await?;
        // The demo carrier user uploads Contoso's decks in the Carrier portal.
        users::Entity::update_many()
            .col_expr(users::Column::CarrierId, Some(contoso).into())
            .filter(users::Column::Email.eq(DEMO_USERS[3].0))
            .filter(users::Column::CarrierId.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Two demo carriers with documentation addresses (RFC 5737, RFC 3849, RFC 2606 names); returns
/// the second's id (Contoso Telecom).
async fn seed_carriers(db: &DatabaseConnection, actor: &Actor) -> Result<i64, ServiceError> {
    use crate::carriers::{CarrierInput, TrunkInput, create_carrier, save_trunk};
    let premium = create_carrier(
        db,
        actor,
        CarrierInput {
            name: "Northwind Voice".into(),
            currency: "USD".into(),
            technical_prefix: "7001#".into(),
            max_cps: "30".into(),
            max_channels: "600".into(),
            noc_email: "noc@northwind.example".into(),
            rates_email: "rates@northwind.example".into(),
            ..Default::default()
        },
    )
    .await?;
    for (name, host, enabled) in [
        ("Primary", "203.0.113.10", true),
        ("Backup", "sip2.northwind.example", true),
    ] {
        save_trunk(
            db,
            actor,
            premium.id,
            None,
            TrunkInput {
                name: name.into(),
                host: host.into(),
                codecs: "PCMA,PCMU,G729".into(),
                enabled,
                ..Default::default()
            },
        )
        .await?;
    }
    let economy = create_carrier(
        db,
        actor,
        CarrierInput {
            name: "Contoso Telecom".into(),
            currency: "EUR".into(),
            status: "testing".into(),
            max_cps: "10".into(),
            noc_email: "support@contoso.example".into(),
            ..Default::default()
        },
    )
    .await?;
    save_trunk(
        db,
        actor,
        economy.id,
        None,
        TrunkInput {
            name: "Frankfurt".into(),
            host: "2001:db8::5060".into(),
            transport: "tcp".into(),
            username: "didtron-demo".into(),
            password: "demo-digest-secret".into(),
            codecs: "G729,PCMA".into(),
            enabled: true,
            ..Default::default()
        },
    )
    .await?;
    Ok(economy.id)
}

async fn seed_customers(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_user: &users::Model,
) -> Result<(), ServiceError> {
    use crate::categories::{create_category, create_group};
    use crate::customers::{CustomerInput, create_customer};
    let wholesale = create_category(
        db,
        actor,
        "Wholesale",
        "Carriers and resellers buying A-Z termination",
    )
    .await?;
    let gold = create_group(db, actor, wholesale.id, "Gold", "High-volume partners").await?;
    create_group(db, actor, wholesale.id, "Standard", "").await?;
    let retail = create_category(db, actor, "Retail", "Small businesses and call shops").await?;
    create_category(db, actor, "Enterprise", "Companies with their own PBX").await?;
    create_category(
        db,
        actor,
        "Softswitch rental",
        "Operators renting the Class 4 switch",
    )
    .await?;
    let acme = create_customer(
        db,
        actor,
        CustomerInput {
            company_name: "Acme Telecom Ltd".into(),
            contact_name: "Cora Customer".into(),
            contact_email: "customer@didtron.example".into(),
            contact_phone: "+44 20 7946 0000".into(),
            billing_currency: "USD".into(),
            credit_limit: "100".into(),
            category_id: Some(wholesale.id),
            group_id: Some(gold.id),
            ..Default::default()
        },
    )
    .await?;
    create_customer(
        db,
        actor,
        CustomerInput {
            company_name: "Blue Lagoon Calls".into(),
            contact_name: "Bea Lund".into(),
            contact_email: "ops@bluelagoon.example".into(),
            billing_currency: "EUR".into(),
            category_id: Some(retail.id),
            ..Default::default()
        },
    )
    .await?;
    let mut user = customer_user.clone().into_active_model();
    user.customer_id = Set(Some(acme.id));
    let user = user.update(db).await?;
    actor
        .audit(
            db,
            "update",
            "user",
            user.id,
            Changes::new().field("customer_id", None::<i64>, acme.id),
        )
        .await?;
    use crate::features::assign;
    assign(db, actor, Feature::VoiceStandard, Audience::All).await?;
    assign(
        db,
        actor,
        Feature::ApiAccess,
        Audience::Category(wholesale.id),
    )
    .await?;
    assign(db, actor, Feature::SipTester, Audience::Group(gold.id)).await?;
    // Every customer may refer others; the demo's programme pays 10 % of 3 first top-ups.
    assign(db, actor, Feature::Referrals, Audience::All).await?;
    crate::referrals::save_programme(
        db,
        actor,
        crate::referrals::ProgrammeInput {
            enabled: true,
            share_percent: "10".into(),
            rewarded_top_ups: "3".into(),
            max_reward: String::new(),
        },
    )
    .await?;
    crate::ledger::adjust(
        db,
        actor,
        crate::ledger::AdjustmentInput {
            customer_id: acme.id,
            kind: "top_up".into(),
            amount: "250.00".into(),
            reason: "Opening balance (demo data)".into(),
            idempotency_key: "seed-opening-balance".into(),
        },
    )
    .await?;
    Ok(())
}

async fn seed_brand(
    db: &DatabaseConnection,
    actor: &Actor,
    hash: &str,
) -> Result<(), ServiceError> {
    let brand = crate::tenants::create_tenant(
        db,
        actor,
        crate::tenants::TenantInput {
            name: "VoiceHub".into(),
            slug: "voicehub".into(),
            domains: DEMO_BRAND.0.into(),
            primary_color: "#0F766E".into(),
            support_email: "help@voicehub.example".into(),
            default_currency: "EUR".into(),
        },
    )
    .await?;
    let vera = crate::users::new_row(
        brand.row.id,
        DEMO_BRAND.1,
        "Vera Hub",
        Role::Admin,
        hash.to_owned(),
        Utc::now(),
    )
    .insert(db)
    .await?;
    audit::record(
        db,
        brand.row.id,
        Some(actor.user_id),
        Some(&actor.email),
        &Origin::default(),
        "seed",
        "user",
        Some(vera.id.to_string()),
        Changes::new()
            .field("email", None::<String>, DEMO_BRAND.1)
            .field("role", None::<String>, Role::Admin.as_str()),
    )
    .await?;
    Ok(())
}
