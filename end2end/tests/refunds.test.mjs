// Issue 8's staff refunds, end to end against the Stripe fake: a customer pays a 50.00 top-up by
// card; staff refund 20.00 of it from Super Admin > Customers > Payments; the balance is debited
// once Stripe's refund.created arrives, and the row then offers what is left; asking for more
// than is left is refused naming the amount. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, signIn, openBrowser, freePort, startFakes, stripeEnv } from './helpers.mjs';

/// Reloads `page` until `check()` is true (the provider's webhook comes a moment later).
async function until(page, javaScript, check) {
  for (let i = 0; i < 50 && !(await check()); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await page.reload();
    await ready(page, javaScript);
  }
  assert.ok(await check());
}

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: staff refund 20.00 of a card top-up; the balance moves when Stripe confirms`, async () => {
    const port = await freePort();
    const fakes = await startFakes({ port });
    try {
      await withSession({ javaScript, email: 'customer@didtron.example', port, env: stripeEnv(fakes.stripe) }, async (base, page) => {
        await page.goto(`${base}/customer/top-up?amount=50`);
        await ready(page, javaScript);
        await Promise.all([page.waitForURL(/\/pay\/cs_test_/), page.getByRole('button', { name: 'Pay 50.00 USD' }).click()]);
        await Promise.all([page.waitForURL(/\/customer\/top-up\?paid=\d+/), page.getByRole('button', { name: 'Pay' }).click()]);
        await ready(page, javaScript);
        await page.getByText(/Payment \d+ is paid and credited to your balance\./).waitFor();
        const paymentId = (await page.locator('#payments tbody tr td').first().textContent()).trim();

        const staff = await openBrowser({ javaScript });
        try {
          const admin = staff.page;
          await signIn(admin, base, 'superadmin@didtron.example', javaScript);
          await admin.goto(`${base}/admin/payments`);
          await ready(admin, javaScript);
          const form = admin.locator(`#refund-${paymentId}`);
          assert.equal(await form.locator('input[name=amount]').inputValue(), '50.00');
          await form.locator('input[name=amount]').fill('20');
          await form.getByRole('button', { name: 'Refund' }).click();
          await admin.locator("#refund-done").getByText(/Refund .*asked for/).waitFor();
          await ready(admin, javaScript);

          const row = admin.locator('#payments tbody tr', { has: admin.locator(`#refund-${paymentId}`) });
          await until(admin, javaScript, async () => /50\.00 USD\s*20\.00 USD\s*paid/.test(await row.textContent()));
          assert.equal(await form.locator('input[name=amount]').inputValue(), '30.00');

          await form.locator('input[name=amount]').fill('100');
          await form.getByRole('button', { name: 'Refund' }).click();
          await admin.getByText(`at most 30.00 USD of payment ${paymentId} is left to refund`).waitFor();
          assert.deepEqual(staff.panics, []);
        } finally {
          await staff.browser.close();
        }

        await page.goto(`${base}/customer/balance`);
        await ready(page, javaScript);
        assert.match(await page.locator('#ledger-entries tbody tr').first().textContent(), /Payment reversal.*-20\.00/);
      });
    } finally {
      fakes.stop();
    }
  });
}
