use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A referred customer as its referrer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefereeRow {
    /// Company name.
    pub company: String,
    /// `YYYY-MM-DD`.
    pub joined: String,
    /// Top-ups that earned a reward.
    pub rewarded: i64,
    /// What it earned, with the currency.
    pub earned: String,
}

/// The customer's Referrals page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyReferralsPage {
    /// The sign-up link to share, `https://<host>/signup?ref=CODE`.
    pub link: String,
    /// The code alone.
    pub code: String,
    /// Whether the programme earns rewards now.
    pub enabled: bool,
    /// The terms in a sentence, e.g. `10 % of each of their first 3 top-ups`.
    pub terms: String,
    /// Earned in all, with the currency.
    pub earned: String,
    /// Newest first.
    pub referees: Vec<RefereeRow>,
}

/// The terms of a programme in a sentence for customers.
#[cfg(feature = "ssr")]
fn terms(
    p: &services::entities::referral_programs::Model,
    currency: &str,
    nf: &domain::locale::NumberFormat,
) -> String {
    let top_ups = if p.rewarded_top_ups == 1 {
        "their first top-up".to_owned()
    } else {
        format!("each of their first {} top-ups", p.rewarded_top_ups)
    };
    let cap = p.max_reward_micros.map_or(String::new(), |m| {
        format!(
            ", up to {} {currency} per customer you bring",
            nf.amount(m, services::ledger::currency_decimals(currency))
        )
    });
    format!("{} % of {top_ups}{cap}", p.share_percent)
}

/// The signed-in customer's referral link and what it brought.
///
/// # Errors
/// `Forbidden` without the Referral programme feature or for non-customer users.
#[server(endpoint = "my_referrals")]
pub async fn my_referrals() -> Result<MyReferralsPage, AppError> {
    use crate::ssr::{fail, require_feature, services, site_origin};
    use services::ledger::currency_decimals;
    // The request's context is read before the first wait: during a server render, Leptos may
    // build a page twice and drop the first build, whose context is then gone; the browser
    // hydrates with that first build's answer, so it must not depend on when it was dropped.
    let svc = services()?;
    let nf = crate::ssr::number_format();
    let origin = site_origin();
    let me = require_feature(domain::features::Feature::Referrals).await?;
    let mine = services::referrals::mine(&svc.db, &me.actor())
        .await
        .map_err(fail)?;
    let money = |m: i64| nf.money(m, currency_decimals(&mine.currency), &mine.currency);
    Ok(MyReferralsPage {
        link: format!("{origin}/signup?ref={}", mine.code),
        enabled: mine.programme.enabled,
        terms: terms(&mine.programme, &mine.currency, &nf),
        earned: money(mine.earned_micros),
        referees: mine
            .referees
            .iter()
            .map(|r| RefereeRow {
                company: r.company.clone(),
                joined: r.joined.format("%Y-%m-%d").to_string(),
                rewarded: r.rewarded,
                earned: money(r.earned_micros),
            })
            .collect(),
        code: mine.code,
    })
}

/// A reward as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRow {
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// The referrer's company.
    pub referrer: String,
    /// The referred customer's company.
    pub referee: String,
    /// The top-up's payment id.
    pub payment_id: i64,
    /// Amount with its currency.
    pub amount: String,
    /// `credited` or `refused`.
    pub status: String,
    /// Why it was refused, or empty.
    pub reason: String,
}

/// Super Admin > Customers > Referrals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralsAdminPage {
    /// Whether rewards are earned.
    pub enabled: bool,
    /// The share, percent.
    pub share_percent: String,
    /// How many first top-ups are rewarded.
    pub rewarded_top_ups: i64,
    /// The cap per referred customer, or empty.
    pub max_reward: String,
    /// Customers who signed up with a referral code.
    pub referred: u64,
    /// The latest 200 rewards, newest first.
    pub rewards: Vec<RewardRow>,
}

/// The programme's settings and its latest rewards.
///
/// # Errors
/// `Forbidden` outside the Super Admin portal.
#[server(endpoint = "referrals_admin")]
pub async fn referrals_admin() -> Result<ReferralsAdminPage, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::ledger::currency_decimals;
    let nf = crate::ssr::number_format();
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let (rows, referred) = services::referrals::rewards(&svc.db, &actor, 200)
        .await
        .map_err(fail)?;
    let p = services::referrals::programme_of(&svc.db, actor.tenant_id)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?;
    Ok(ReferralsAdminPage {
        enabled: p.enabled,
        share_percent: p.share_percent,
        rewarded_top_ups: p.rewarded_top_ups,
        max_reward: p
            .max_reward_micros
            .map_or(String::new(), |m| domain::ledger::display(m, 2)),
        referred,
        rewards: rows
            .into_iter()
            .map(|r| RewardRow {
                at: r.reward.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                referrer: r.referrer,
                referee: r.referee,
                payment_id: r.reward.payment_id,
                amount: nf.money(
                    r.reward.amount_micros,
                    currency_decimals(&r.reward.currency),
                    &r.reward.currency,
                ),
                status: r.reward.status,
                reason: r.reward.reason,
            })
            .collect(),
    })
}

/// Saves the programme; `enabled` is the checkbox (`on` when ticked).
///
/// # Errors
/// `Validation` naming `share_percent`, `rewarded_top_ups` or `max_reward`; `Forbidden`
/// outside the Super Admin portal.
#[server(endpoint = "save_referral_programme")]
pub async fn save_referral_programme(
    enabled: Option<String>,
    share_percent: String,
    rewarded_top_ups: String,
    max_reward: String,
) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let saved = services::referrals::save_programme(
        &svc.db,
        &me.actor(),
        services::referrals::ProgrammeInput {
            enabled: enabled.is_some(),
            share_percent,
            rewarded_top_ups,
            max_reward,
        },
    )
    .await
    .map_err(fail)?;
    leptos_axum::redirect("/admin/referrals?saved=1");
    Ok(if saved.enabled {
        "Saved: referrals earn rewards.".to_owned()
    } else {
        "Saved: the programme is off, so no reward is earned.".to_owned()
    })
}
