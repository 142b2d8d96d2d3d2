//! Runs the provider fakes for the end-to-end journeys until killed:
//!
//! `fake-providers --stripe-port 12111 --stripe-webhook http://127.0.0.1:3000/webhooks/stripe
//!  --stripe-key sk_test_x --stripe-webhook-secret whsec_x`
//!
//! and `--paypal-webhook http://127.0.0.1:3000/webhooks/paypal --paypal-client-id … \
//! --paypal-secret … --paypal-webhook-id …` for PayPal. It prints `stripe http://…` and
//! `paypal http://…` once listening.

use fakes::paypal::{self, PaypalFake};
use fakes::stripe::{Config, StripeFake};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port = arg("--stripe-port")
        .map(|p| p.parse::<u16>())
        .transpose()?
        .unwrap_or(0);
    let fake = StripeFake::start(
        Config {
            secret_key: arg("--stripe-key").unwrap_or_else(|| "sk_test_didtron".to_owned()),
            webhook_secret: arg("--stripe-webhook-secret")
                .unwrap_or_else(|| "whsec_didtron".to_owned()),
            webhook_url: arg("--stripe-webhook"),
        },
        port,
    )
    .await?;
    let paypal = PaypalFake::start(
        paypal::Config {
            client_id: arg("--paypal-client-id").unwrap_or_else(|| "paypal-client".to_owned()),
            client_secret: arg("--paypal-secret").unwrap_or_else(|| "paypal-secret".to_owned()),
            webhook_id: arg("--paypal-webhook-id").unwrap_or_else(|| "WH-FAKE-1".to_owned()),
            webhook_url: arg("--paypal-webhook"),
        },
        0,
    )
    .await?;
    println!("stripe {}", fake.base_url);
    println!("paypal {}", paypal.base_url);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
