// Issue 8: money is shown in the reader's locale, always with its currency. A browser asking
// for German sees the demo customer's 250.00 USD balance as "250,00 USD" and a 1,234.50 top-up
// entry as "+1.234,50"; an English one sees "1,484.50 USD". Forms and CSV keep plain numbers.
// JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer, ready, signIn } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: amounts follow the browser's language`, async () => {
    const server = await startServer({});
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const staff = await (await browser.newContext({ javaScriptEnabled: javaScript, locale: 'en-GB' })).newPage();
      await signIn(staff, server.base, 'superadmin@didtron.example', javaScript);
      await staff.goto(`${server.base}/admin/customers?q=acme`);
      await ready(staff, javaScript);
      await staff.getByRole('link', { name: 'Acme Telecom Ltd' }).click();
      await staff.waitForURL(/\/admin\/customers\/\d+$/);
      await staff.goto(`${staff.url()}?tab=balance`);
      await ready(staff, javaScript);
      await staff.locator('details.panel > summary').click();
      const form = staff.locator('#ledger-entry');
      await form.locator('select[name=kind]').selectOption('top_up');
      await form.locator('input[name=amount]').fill('1234.50');
      await form.locator('input[name=reason]').fill('Bank transfer 42');
      await form.getByRole('button', { name: 'Post entry' }).click();
      await staff.locator('#ledger-entries').getByText('Bank transfer 42').waitFor();
      // An English (UK) reader: grouped with commas.
      assert.match(await staff.locator('#balance').textContent(), /1,484\.50 USDBalance/);

      const de = await (await browser.newContext({ javaScriptEnabled: javaScript, locale: 'de-DE' })).newPage();
      await signIn(de, server.base, 'customer@didtron.example', javaScript);
      await de.goto(`${server.base}/customer/balance`);
      await ready(de, javaScript);
      assert.match(await de.locator('#balance').textContent(), /1\.484,50 USD/);
      assert.match(await de.locator('#ledger-entries tbody tr').first().textContent(), /\+1\.234,50/);

      const en = await (await browser.newContext({ javaScriptEnabled: javaScript, locale: 'en-US' })).newPage();
      await signIn(en, server.base, 'customer@didtron.example', javaScript);
      await en.goto(`${server.base}/customer/balance`);
      await ready(en, javaScript);
      assert.match(await en.locator('#balance').textContent(), /1,484\.50 USD/);
    } finally {
      await browser.close();
      server.stop();
    }
  });
}
