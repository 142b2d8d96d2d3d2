// Issue 8's statements, end to end: the customer asks for the statement of yesterday and today;
// it is drawn in the background (the list refreshes itself, with and without JavaScript) and
// gets invoice number 000001; its PDF downloads; its opening and closing balances are the
// ledger's; a period that ends in the future is refused naming the field; staff see it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, signIn, openBrowser } from './helpers.mjs';

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a customer gets its statement as a numbered PDF`, () =>
    withSession({ javaScript, email: 'customer@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/customer/balance`);
      await ready(page, javaScript);
      const balance = (await page.locator('#balance .stat strong').first().textContent()).trim();

      await page.goto(`${base}/customer/statements`);
      await ready(page, javaScript);
      const form = page.locator('#statement-form');
      await form.locator('input[name=from]').fill(day(-1));
      await form.locator('input[name=to]').fill(day(5));
      await form.getByRole('button', { name: 'Get statement' }).click();
      await page.getByText('is in the future: a statement ends today at the latest').waitFor();

      await form.locator('input[name=from]').fill(day(-1));
      await form.locator('input[name=to]').fill(day(0));
      await form.getByRole('button', { name: 'Get statement' }).click();
      const row = page.locator('#statements tbody tr').first();
      await row.getByText('done').waitFor({ timeout: 30_000 });
      const text = await row.textContent();
      assert.match(text, new RegExp(`000001\\s*${day(-1)} to ${day(0)}\\s*0\\.00 USD\\s*${balance.replace('.', '\\.')}`));
      const href = await row.getByRole('link', { name: 'statement-000001.pdf' }).getAttribute('href');
      const pdf = await page.request.get(`${base}${href}`);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

      // Staff see it with the customer's name.
      const staff = await openBrowser({ javaScript });
      try {
        await signIn(staff.page, base, 'superadmin@didtron.example', javaScript);
        await staff.page.goto(`${base}/admin/statements`);
        await ready(staff.page, javaScript);
        assert.match(await staff.page.locator('#statements tbody tr').first().textContent(), /000001\s*Acme Telecom Ltd/);
      } finally {
        await staff.browser.close();
      }
    }));
}
