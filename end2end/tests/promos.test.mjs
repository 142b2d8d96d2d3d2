// Issue 8's promo codes, end to end: staff create WELCOME10 (10 %, from 20.00, one use per
// customer) in Super Admin; the customer reviews a top-up of 50.00 with the code and sees the
// bonus of 5.00 before paying, pays at the Stripe fake, and the Balance page shows the top-up
// and the bonus; the same code again is refused naming the field; staff see the use. JavaScript
// off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, freePort, startFakes, stripeEnv, signIn, openBrowser } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a promo code adds its bonus to a paid top-up, once per customer`, async () => {
    const port = await freePort();
    const fakes = await startFakes({ port });
    try {
      await withSession({ javaScript, email: 'superadmin@didtron.example', port, env: stripeEnv(fakes.stripe) }, async (base, page) => {
        await page.goto(`${base}/admin/promo-codes`);
        await ready(page, javaScript);
        const form = page.locator('#promo-form');
        await form.locator('input[name=code]').fill('welcome10');
        await form.locator('input[name=value]').fill('150');
        await form.getByRole('button', { name: 'Create code' }).click();
        await page.getByText('give a percentage above 0 and at most 100').waitFor();
        await form.locator('input[name=code]').fill('welcome10');
        await form.locator('input[name=value]').fill('10');
        await form.locator('input[name=min_top_up]').fill('20');
        await form.locator('input[name=max_uses_per_customer]').fill('1');
        await form.getByRole('button', { name: 'Create code' }).click();
        await page.locator('#promo-codes tbody tr', { hasText: 'WELCOME10' }).waitFor();

        // The customer, in another browser.
        const customer = await openBrowser({ javaScript });
        try {
          const c = customer.page;
          await signIn(c, base, 'customer@didtron.example', javaScript);
          await c.goto(`${base}/customer/top-up`);
          await ready(c, javaScript);
          await c.fill('input[name=amount]', '50');
          await c.fill('input[name=promo_code]', 'welcome10');
          await c.getByRole('button', { name: 'Review' }).click();
          const review = c.locator('#top-up-review');
          await review.getByText('Bonus of WELCOME10').waitFor();
          assert.match(await review.textContent(), /50\.00 USD\s*You pay\s*\+5\.00 USD\s*Bonus of WELCOME10\s*55\.00 USD\s*Your balance grows by/);
          await Promise.all([c.waitForURL(/\/pay\/cs_test_/), c.getByRole('button', { name: 'Pay 50.00 USD' }).click()]);
          await Promise.all([c.waitForURL(/\/customer\/top-up\?paid=\d+/), c.getByRole('button', { name: 'Pay' }).click()]);
          await ready(c, javaScript);
          await c.goto(`${base}/customer/balance`);
          await ready(c, javaScript);
          const rows = c.locator('#ledger-entries tbody tr');
          assert.match(await rows.nth(0).textContent(), /Bonus\s*Bonus of code WELCOME10 on top-up \d+.*5\.00/);
          assert.match(await rows.nth(1).textContent(), /Top-up\s*Top-up by card \(Stripe\).*50\.00/);

          // Once per customer.
          await c.goto(`${base}/customer/top-up?amount=50&promo_code=WELCOME10`);
          await ready(c, javaScript);
          await c.getByText('you have already used this code as often as it may be').waitFor();
          assert.equal(await c.locator('#top-up-pay').count(), 0);
        } finally {
          await customer.browser.close();
        }

        await page.goto(`${base}/admin/promo-codes`);
        await ready(page, javaScript);
        assert.match(await page.locator('#promo-codes tbody tr', { hasText: 'WELCOME10' }).textContent(), /10 %.*20\.00 USD.*1.*5\.00 USD \(1 credited\)/);
        await page.getByRole('button', { name: 'Turn WELCOME10 off' }).click();
        await page.getByRole('button', { name: 'Turn WELCOME10 on' }).waitFor();
      });
    } finally {
      fakes.stop();
    }
  });
}
