// Issue 8's referrals, end to end against the Stripe fake: Acme (the demo customer) copies its
// sign-up link from Referrals; a company opening an account with it on Acme's own domain is
// refused, another signs up, lands on Top up signed in, and pays 50.00 by card; Acme then sees
// it on Referrals with 5.00 earned (10 % in the demo programme) and a Referral reward entry on
// its balance; Super Admin > Customers > Referrals lists the reward and refuses a bad share.
// JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, openBrowser, freePort, startFakes, stripeEnv } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a company signs up with Acme's link and its first top-up earns Acme 10 %`, async () => {
    const port = await freePort();
    const fakes = await startFakes({ port });
    try {
      await withSession({ javaScript, email: 'customer@didtron.example', port, env: stripeEnv(fakes.stripe) }, async (base, page) => {
        await page.goto(`${base}/customer/referrals`);
        await ready(page, javaScript);
        const link = await page.locator('#referral-link').inputValue();
        const code = (await page.locator('#referral-code').textContent()).trim();
        assert.equal(link, `${base}/signup?ref=${code}`);

        const newcomer = await openBrowser({ javaScript });
        try {
          const p = newcomer.page;
          await p.goto(link);
          await ready(p, javaScript);
          assert.equal(await p.locator('input[name=referral_code]').inputValue(), code);
          const fill = async (email) => {
            await p.fill('input[name=company_name]', 'Globex Voice Ltd');
            await p.fill('input[name=display_name]', 'Gina Globex');
            await p.fill('input[name=email]', email);
            await p.fill('input[name=password]', 'globex voice passphrase');
            if (await p.locator('input[name=referral_code]').inputValue() === '') await p.fill('input[name=referral_code]', code);
          };
          await fill('gina@didtron.example');
          await p.getByRole('button', { name: 'Create account' }).click();
          await p.getByText('belongs to a company on your own domain (didtron.example)').waitFor();
          await ready(p, javaScript);

          await fill('gina@globex.example');
          await Promise.all([p.waitForURL(/\/customer\/top-up\?welcome=1/), p.getByRole('button', { name: 'Create account' }).click()]);
          await ready(p, javaScript);
          await p.goto(`${base}/customer/top-up?amount=50`);
          await ready(p, javaScript);
          await Promise.all([p.waitForURL(/\/pay\/cs_test_/), p.getByRole('button', { name: 'Pay 50.00 USD' }).click()]);
          await Promise.all([p.waitForURL(/\/customer\/top-up\?paid=\d+/), p.getByRole('button', { name: 'Pay' }).click()]);
          await ready(p, javaScript);
          await p.getByText(/Payment \d+ is paid and credited to your balance\./).waitFor();
          assert.deepEqual(newcomer.panics, []);
        } finally {
          await newcomer.browser.close();
        }

        await page.goto(`${base}/customer/referrals`);
        await ready(page, javaScript);
        assert.match(await page.locator('#referees tbody tr').first().textContent(), /Globex Voice Ltd.*1\s*5\.00 USD/);
        await page.goto(`${base}/customer/balance`);
        await ready(page, javaScript);
        assert.match(await page.locator('#ledger-entries tbody tr').first().textContent(), /Referral reward.*Globex Voice Ltd.*\+?5\.00/);

        const staff = await openBrowser({ javaScript });
        try {
          const { signIn } = await import('./helpers.mjs');
          await signIn(staff.page, base, 'superadmin@didtron.example', javaScript);
          await staff.page.goto(`${base}/admin/referrals`);
          await ready(staff.page, javaScript);
          assert.match(await staff.page.locator('#referral-rewards tbody tr').first().textContent(), /Acme Telecom Ltd\s*Globex Voice Ltd.*5\.00 USD\s*credited/);
          await staff.page.fill('input[name=share_percent]', '0');
          await staff.page.getByRole('button', { name: 'Save programme' }).click();
          await staff.page.getByText('give a percentage above 0 and at most 100').waitFor();
          assert.deepEqual(staff.panics, []);
        } finally {
          await staff.browser.close();
        }
      });
    } finally {
      fakes.stop();
    }
  });
}
