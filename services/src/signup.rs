//! Self sign-up of a new prepaid customer on a tenant's site (`/signup`): the company and its
//! first user are created together, with a balance of 0 and no credit (pay as you go: it tops
//! up before it calls). A referral code (from a customer's sign-up link, `?ref=CODE`) records
//! who referred it; a code of the signer's own company is refused (see
//! [`domain::referral::same_owner`]).

use crate::audit::{Actor, Changes, Origin, record};
use crate::customers::{self, CustomerInput};
use crate::entities::{customers as customer_rows, users};
use crate::error::{FieldError, ServiceError};
use crate::state::Services;
use crate::{passwords, referrals};
use chrono::Utc;
use domain::access::Role;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};

/// The sign-up form.
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    /// The company's name, unique in the tenant.
    pub company_name: String,
    /// The person's name.
    pub display_name: String,
    /// Their e-mail, the sign-in name; also the company's contact e-mail.
    pub email: String,
    /// The password (see [`passwords::check_policy`] for what is accepted).
    pub password: String,
    /// ISO 4217 code the company is billed in; empty: the tenant's default currency.
    pub billing_currency: String,
    /// A referral code, or empty.
    pub referral_code: String,
}

/// Sign-ups an IP may make per window of the sign-in limiter (10 in 15 minutes by default).
fn limit_key(origin: &Origin) -> String {
    format!(
        "signup:{}",
        origin.ip.as_deref().unwrap_or("unknown address")
    )
}

/// Creates the customer and its first user (role `customer`) in `tenant_id`, both or neither,
/// and returns the user, to sign in.
///
/// # Errors
/// `Validation` naming each bad field (`company_name`, `display_name`, `email`, `password`,
/// `billing_currency`, `referral_code`: unknown, or the signer's own); `Conflict{company_name}`
/// or `Conflict{email}` when taken; `RateLimited` past the sign-in limiter's count per IP.
pub async fn sign_up(
    svc: &Services,
    tenant_id: i64,
    input: SignUpInput,
    origin: &Origin,
) -> Result<users::Model, ServiceError> {
    if let Some(retry_after_seconds) = svc
        .limiter
        .hit(&limit_key(origin))
        .await
        .map_err(ServiceError::Unexpected)?
    {
        return Err(ServiceError::RateLimited {
            retry_after_seconds,
        });
    }
    let db = &svc.db;
    // Checks run as the tenant's platform: the form names no category or group.
    let platform = Actor {
        tenant_id,
        user_id: 0,
        email: String::new(),
        role: Role::Admin,
        customer_id: None,
        carrier_id: None,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    let mut errors = Vec::new();
    let email = crate::users::normalize_email(&input.email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .unwrap_or_default();
    let display_name = input.display_name.trim().to_owned();
    if display_name.is_empty() {
        errors.push(FieldError::new("display_name", "is required"));
    } else if display_name.chars().count() > 120 {
        errors.push(FieldError::new(
            "display_name",
            "must be at most 120 characters",
        ));
    }
    if let Err(m) = passwords::check_policy(&input.password) {
        errors.push(FieldError::new("password", m));
    }
    let referrer = match input.referral_code.trim() {
        "" => None,
        code => match referrals::referrer_by_code(db, tenant_id, code).await? {
            None => {
                errors.push(FieldError::new(
                    "referral_code",
                    "matches no customer: check the link you were given, or leave it empty",
                ));
                None
            }
            Some(referrer) => {
                let emails = referrals::emails_of(db, &referrer).await?;
                let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
                if !email.is_empty()
                    && let Some(why) = domain::referral::same_owner(&email, &emails)
                {
                    errors.push(FieldError::new(
                        "referral_code",
                        format!("{why}: a customer cannot refer itself, so leave it empty"),
                    ));
                }
                Some(referrer)
            }
        },
    };
    let customer = CustomerInput {
        company_name: input.company_name,
        contact_name: display_name.clone(),
        contact_email: email.clone(),
        billing_email: email.clone(),
        billing_currency: input.billing_currency,
        credit_limit: "0".into(),
        ..Default::default()
    };
    let checked = customers::checked_row(db, &platform, &customer).await;
    let (mut row, changes) = match checked {
        Ok(ok) if errors.is_empty() => ok,
        Ok(_) => return Err(ServiceError::Validation(errors)),
        Err(ServiceError::Validation(more)) => {
            errors.extend(more);
            return Err(ServiceError::Validation(errors));
        }
        Err(other) => return Err(other),
    };
    let password_hash = passwords::hash(&input.password).await?;
    let now = Utc::now();
    row.referred_by = Set(referrer.as_ref().map(|r| r.id));
    let txn = db.begin().await?;
    let company: customer_rows::Model = row
        .insert(&txn)
        .await
        .map_err(crate::error::conflict_on("company_name"))?;
    let mut user = crate::users::new_row(
        tenant_id,
        &email,
        &display_name,
        Role::Customer,
        password_hash,
        now,
    );
    user.customer_id = Set(Some(company.id));
    let user = user
        .insert(&txn)
        .await
        .map_err(crate::error::conflict_on("email"))?;
    let changes = match &referrer {
        Some(r) => changes.field(
            "referred_by",
            serde_json::Value::Null,
            r.company_name.clone(),
        ),
        None => changes,
    };
    record(
        &txn,
        tenant_id,
        Some(user.id),
        Some(&email),
        origin,
        "sign_up",
        "customer",
        Some(company.id.to_string()),
        changes,
    )
    .await?;
    record(
        &txn,
        tenant_id,
        Some(user.id),
        Some(&email),
        origin,
        "create",
        "user",
        Some(user.id.to_string()),
        Changes::new()
            .field("email", serde_json::Value::Null, email.clone())
            .field("role", serde_json::Value::Null, "customer"),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
