//! Customer portal > Referrals and Super Admin > Customers > Referrals.

use super::api::{
    MyReferralsPage, ReferralsAdminPage, SaveReferralProgramme, my_referrals, referrals_admin,
};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The customer's sign-up link, the programme's terms, and the customers it brought.
#[component]
pub fn MyReferralsPageView() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_referrals());
    view! {
        <Title text="Referrals"/>
        <div class="page-head"><h1>"Referrals"</h1></div>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <MyReferrals d/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MyReferrals(d: MyReferralsPage) -> impl IntoView {
    view! {
        {(!d.enabled).then(|| view! {
            <div class="notice-warn" role="status">"The referral programme is paused: your link still signs customers up, but no reward is earned now."</div>
        })}
        <section class="panel">
            <h2>"Your sign-up link"</h2>
            <p>{format!("Share it with other companies. When one signs up with it, you earn {} once each is paid, as credit on your balance.", d.terms)}</p>
            <Field name="referral_link" id="referral-link" label="Link" value=d.link.clone() readonly=true error=Signal::stored(None)
                help="Select it and copy it into an e-mail or a message."/>
            <p class="muted">"Code: "<strong id="referral-code">{d.code}</strong>" (they can also type it on the sign-up page)."</p>
        </section>
        <h2>{format!("Customers you brought: {}, earned {}", d.referees.len(), d.earned)}</h2>
        {if d.referees.is_empty() {
            view! { <p class="empty">"Nobody has signed up with your link yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll"><table class="data-table" id="referees">
                    <thead><tr>
                        <th scope="col">"Customer"</th><th scope="col">"Joined"</th>
                        <th scope="col" class="num">"Rewarded top-ups"</th><th scope="col" class="num">"Earned"</th>
                    </tr></thead>
                    <tbody>
                        {d.referees.into_iter().map(|r| view! {
                            <tr><td>{r.company}</td><td>{r.joined}</td><td class="num">{r.rewarded}</td><td class="num">{r.earned}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        }}
    }
}

const FIELDS: &[&str] = &["share_percent", "rewarded_top_ups", "max_reward"];

/// The programme's settings and every reward, credited or refused.
#[component]
pub fn ReferralsAdminPageView() -> impl IntoView {
    let save = ServerAction::<SaveReferralProgramme>::new();
    let data = Resource::new(move || save.version().get(), |_| referrals_admin());
    let query = use_query_map();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let done = move || match save.value().get() {
        Some(Ok(said)) => Some(said),
        Some(Err(_)) => None,
        None => query.read().get("saved").map(|_| "Saved.".to_owned()),
    };
    view! {
        <Title text="Referrals"/>
        <div class="page-head"><h1>"Referrals"</h1></div>
        <p class="muted">"Each customer has a sign-up link. A company that signs up with it earns the customer a share of its first top-ups, credited once each is paid. Sign-ups on the referrer's own e-mail domain are refused, and a top-up paid with a card or PayPal account the referrer also paid with earns nothing."</p>
        {move || done().map(|m| view! { <div class="notice-ok" role="status" id="programme-saved">{m}</div> })}
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <ReferralsAdmin d save error/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReferralsAdmin(
    d: ReferralsAdminPage,
    save: ServerAction<SaveReferralProgramme>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Programme"</h2>
            <ActionForm action=save attr:id="programme-form">
                <FormError error fields=FIELDS/>
                <div class="check"><input type="checkbox" id="f-enabled" name="enabled" value="on" checked=d.enabled/><label for="f-enabled">" Referrals earn rewards"</label></div>
                <div class="form-row">
                    <Field name="share_percent" label="Share of each top-up (%)" value=d.share_percent required=true error help="10 gives the referrer 10 % of the top-up, rounded down to the cent."/>
                    <Field name="rewarded_top_ups" label="Rewarded top-ups" value=d.rewarded_top_ups.to_string() required=true error help="How many of the new customer's first paid top-ups earn a reward."/>
                    <Field name="max_reward" label="Most per new customer" value=d.max_reward error help="In the referrer's currency; empty: no cap."/>
                </div>
                <button type="submit" class="btn btn-primary">"Save programme"</button>
            </ActionForm>
        </section>
        <h2>{format!("Rewards ({} customers signed up with a referral link)", d.referred)}</h2>
        {if d.rewards.is_empty() {
            view! { <p class="empty">"No reward yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll"><table class="data-table" id="referral-rewards">
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Referrer"</th><th scope="col">"New customer"</th>
                        <th scope="col">"Payment"</th><th scope="col" class="num">"Reward"</th><th scope="col">"State"</th>
                    </tr></thead>
                    <tbody>
                        {d.rewards.into_iter().map(|r| view! {
                            <tr>
                                <td class="nowrap">{r.at}</td><td>{r.referrer}</td><td>{r.referee}</td>
                                <td>{r.payment_id}</td><td class="num">{r.amount}</td>
                                <td class=if r.reason.is_empty() { "" } else { "wrap" }>
                                    <span class=if r.status == "credited" { "badge badge-ok" } else { "badge badge-off" }>{r.status.clone()}</span>
                                    {(!r.reason.is_empty()).then(|| view! { <br/><span class="muted">{r.reason.clone()}</span> })}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        }}
    }
}
