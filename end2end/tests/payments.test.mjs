// Issue 8's top-ups, end to end against the Stripe and PayPal fakes (`fake-providers`): a customer
// tops up 50.00 by card, is sent to Stripe's payment page, pays, comes back to a page that says
// the payment is paid, and the Balance page shows the top-up; a refund made at Stripe takes
// 10.00 back. A too-small amount is refused naming the field. A platform without Stripe keys
// says the method is not configured. With PayPal: the customer approves the order on PayPal's
// page, comes back, and the balance moves once PayPal's verified webhook confirms the capture.
// JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, freePort, startFakes, stripeEnv, paypalEnv } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a customer tops up 50.00 by card; only Stripe's webhook credits it; a refund takes 10.00 back`, async () => {
    const port = await freePort();
    const fakes = await startFakes({ port });
    try {
      await withSession({ javaScript, email: 'customer@didtron.example', port, env: stripeEnv(fakes.stripe) }, async (base, page) => {
        await page.goto(`${base}/customer/top-up`);
        await ready(page, javaScript);
        await page.fill('input[name=amount]', '5');
        await page.getByRole('button', { name: 'Review' }).click();
        await page.getByText('the smallest top-up is 10.00 USD').waitFor();

        await page.fill('input[name=amount]', '50');
        await page.getByRole('button', { name: 'Review' }).click();
        await page.locator('#top-up-review').getByText('Your balance grows by').waitFor();
        await Promise.all([
          page.waitForURL(/\/pay\/cs_test_/),
          page.getByRole('button', { name: 'Pay 50.00 USD' }).click(),
        ]);
        const session = new URL(page.url()).pathname.split('/').pop();
        assert.equal(await page.locator('#amount').textContent(), '50.00 USD');
        await Promise.all([
          page.waitForURL(/\/customer\/top-up\?paid=\d+/),
          page.getByRole('button', { name: 'Pay' }).click(),
        ]);
        await ready(page, javaScript);
        await page.getByText(/Payment \d+ is paid and credited to your balance\./).waitFor();
        const row = page.locator('#payments tbody tr').first();
        assert.match(await row.textContent(), /Card \(Stripe\)\s*50\.00 USD.*paid/);

        await page.goto(`${base}/customer/balance`);
        await ready(page, javaScript);
        const entry = page.locator('#ledger-entries tbody tr').first();
        assert.match(await entry.textContent(), /Top-up\s*Top-up by card \(Stripe\).*\+?50\.00/);

        // A refund made in Stripe's dashboard reaches the platform as refund.created.
        const refund = await fetch(`${fakes.stripe}/_fake/refund/${session}?amount=1000`, { method: 'POST' });
        assert.equal((await refund.json()).webhook_status, 200);
        await page.goto(`${base}/customer/top-up`);
        await ready(page, javaScript);
        assert.match(await page.locator('#payments tbody tr').first().textContent(), /50\.00 USD\s*10\.00 USD\s*paid/);
        await page.goto(`${base}/customer/balance`);
        await ready(page, javaScript);
        assert.match(await page.locator('#ledger-entries tbody tr').first().textContent(), /Payment reversal.*Refund of top-up \d+ to the card \(Stripe\).*-10\.00/);
      });
    } finally {
      fakes.stop();
    }
  });
}

test('JavaScript off: without Stripe keys the Top up page says the method is not configured', () =>
  withSession({ javaScript: false, email: 'customer@didtron.example' }, async (base, page) => {
    await page.goto(`${base}/customer/top-up`);
    await page.getByText('Card (Stripe) is not configured on this platform').waitFor();
    assert.equal(await page.locator('#top-up').count(), 0);
    assert.equal(await page.locator('#top-up-pay').count(), 0);
    // The webhook refuses to act without keys, so the provider retries later.
    const res = await page.request.post(`${base}/webhooks/stripe`, { data: '{}', headers: { 'Stripe-Signature': 't=1,v1=00' } });
    assert.equal(res.status(), 503);
  }));

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a customer tops up 25.00 with PayPal; the verified capture credits it`, async () => {
    const port = await freePort();
    const fakes = await startFakes({ port });
    try {
      await withSession({ javaScript, email: 'customer@didtron.example', port, env: { ...stripeEnv(fakes.stripe), ...paypalEnv(fakes.paypal) } }, async (base, page) => {
        await page.goto(`${base}/customer/top-up?amount=25`);
        await ready(page, javaScript);
        await page.check('#top-up-pay input[name=provider][value=paypal]');
        await Promise.all([
          page.waitForURL(/\/checkoutnow\?token=/),
          page.getByRole('button', { name: 'Pay 25.00 USD' }).click(),
        ]);
        assert.equal(await page.locator('#amount').textContent(), '25.00 USD');
        await Promise.all([
          page.waitForURL(/\/customer\/top-up\?paid=\d+/),
          page.getByRole('button', { name: 'Pay with PayPal' }).click(),
        ]);
        // PayPal confirms the capture by webhook a moment later.
        for (let i = 0; i < 50; i++) {
          await ready(page, javaScript);
          if (await page.getByText(/Payment \d+ is paid and credited to your balance\./).count()) break;
          await new Promise((r) => setTimeout(r, 200));
          await page.reload();
        }
        await page.getByText(/Payment \d+ is paid and credited to your balance\./).waitFor();
        assert.match(await page.locator('#payments tbody tr').first().textContent(), /PayPal\s*25\.00 USD.*paid/);
        await page.goto(`${base}/customer/balance`);
        await ready(page, javaScript);
        assert.match(await page.locator('#ledger-entries tbody tr').first().textContent(), /Top-up\s*Top-up by PayPal.*25\.00/);
      });
    } finally {
      fakes.stop();
    }
  });
}
