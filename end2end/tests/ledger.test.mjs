// Issue 7's prepaid ledger in the portals: staff open Acme Telecom's Balance tab (250.00 USD
// opening balance, 100.00 credit), get named errors for a bad amount and a missing reason, post a
// bank transfer, are refused a debit past the credit limit with the figures, filter the entries
// and export them as CSV; the customer then sees the same balance on its dashboard and on Billing
// > Balance, without the staff form, sets a low-balance alert that opens at once, and cannot read
// another customer's ledger. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready, signIn, openBrowser } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: staff post entries to a customer's ledger and the customer sees its balance`, () =>
    withSession({ javaScript, email: 'staff@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/admin/customers?q=acme`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Acme Telecom Ltd' }).click();
      await page.waitForURL(/\/admin\/customers\/\d+$/);
      const customerUrl = page.url();
      await page.goto(`${customerUrl}?tab=balance`);
      await ready(page, javaScript);
      const balance = page.locator('#balance');
      await balance.waitFor();
      assert.match(await balance.textContent(), /250\.00 USDBalance100\.00 USDCredit limit350\.00 USDAvailable to spend/);
      assert.match(await page.locator('#ledger-entries').textContent(), /Top-upOpening balance \(demo data\)\+250\.00250\.00/);

      const form = page.locator('#ledger-entry');
      await page.locator('details.panel > summary').click();
      await form.locator('input[name=amount]').fill('ten');
      // Blanks get past the browser's required check; the server names the field.
      await form.locator('input[name=reason]').fill('   ');
      await form.getByRole('button', { name: 'Post entry' }).click();
      await page.getByText('`ten` is not an amount: write it like 25.00 or -3.10').waitFor();
      await page.getByText(/say why, e\.g\./).waitFor();

      if (!(await form.locator('input[name=amount]').isVisible())) await page.locator('details.panel > summary').click();
      await form.locator('select[name=kind]').selectOption('top_up');
      await form.locator('input[name=amount]').fill('25.50');
      await form.locator('input[name=reason]').fill('Bank transfer ref 7781');
      await form.getByRole('button', { name: 'Post entry' }).click();
      await page.locator('#ledger-entries').getByText('Bank transfer ref 7781').waitFor();
      assert.match(await page.locator('#balance').textContent(), /275\.50 USDBalance/);

      // 275.50 + 100.00 of credit: a correction of -400 does not fit.
      if (!(await form.locator('input[name=amount]').isVisible())) await page.locator('details.panel > summary').click();
      await form.locator('select[name=kind]').selectOption('adjustment');
      await form.locator('input[name=amount]').fill('-400');
      await form.locator('input[name=reason]').fill('Wrong correction');
      await form.getByRole('button', { name: 'Post entry' }).click();
      await page.getByText('the balance is 275.50 USD and the credit limit 100.00 USD: a debit of 400.00 USD would leave -124.50 USD; top up first').waitFor();
      // Hydrated, the refused entry stays in the form as typed.
      if (javaScript) assert.equal(await form.locator('input[name=amount]').inputValue(), '-400');
      assert.match(await page.locator('#balance').textContent(), /275\.50 USDBalance/);

      // Filters and the CSV of the filtered entries.
      await page.goto(`${customerUrl}?tab=balance&q=7781`);
      await ready(page, javaScript);
      await page.locator('#ledger-entries').waitFor();
      assert.equal(await page.locator('#ledger-entries tbody tr').count(), 1);
      const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      assert.match(href, /ledger\.csv\?q=7781$/);
      const csv = await page.request.get(`${base}${href}`);
      assert.equal(csv.status(), 200);
      const lines = (await csv.text()).trim().split('\n');
      assert.equal(lines[0], 'id,at,kind,amount,currency,balance_after,description,reference,by');
      assert.equal(lines.length, 2);
      assert.match(lines[1], /,top_up,25\.50,USD,275\.50,Bank transfer ref 7781,,staff@didtron\.example$/);
      await page.goto(`${customerUrl}?tab=balance&from=30-11-2026`);
      await ready(page, javaScript);
      await page.getByText('`30-11-2026` is not a date like 2026-11-30').waitFor();

      const other = await openBrowser({ javaScript });
      try {
        const acme = other.page;
        await signIn(acme, base, 'customer@didtron.example', javaScript);
        await acme.goto(`${base}/customer`);
        await ready(acme, javaScript);
        await acme.getByRole('link', { name: '275.50 USD' }).click();
        await acme.waitForURL(/\/customer\/balance$/);
        await ready(acme, javaScript);
        assert.match(await acme.locator('#balance').textContent(), /275\.50 USDBalance/);
        assert.equal(await acme.locator('#ledger-entries tbody tr').count(), 2);
        assert.equal(await acme.locator('#ledger-entry').count(), 0);
        // Acme sets its own low-balance alert: a bad amount is named; 300.00 is above its 275.50,
        // so the alert opens at once, with the notice queued to its address.
        const alertForm = acme.locator('#low-balance');
        await alertForm.locator('input[name=low_balance]').fill('lots');
        await alertForm.getByRole('button', { name: 'Save alert' }).click();
        await acme.getByText('`lots` is not an amount: write it like 25.00 or -3.10').waitFor();
        await alertForm.locator('input[name=low_balance]').fill('300');
        await alertForm.getByRole('button', { name: 'Save alert' }).click();
        await acme.getByRole('alert').filter({ hasText: 'Your balance fell below 300.00 USD' }).waitFor();
        assert.match(await acme.getByRole('alert').textContent(), /\(275\.50 USD\)\. A notice to customer@didtron\.example \(queued\)\./);
        assert.match(await acme.locator('#balance-alerts tbody').textContent(), /Low balance275\.50 USD300\.00 USDcustomer@didtron\.example \(queued\)still below/);
        assert.match(await alertForm.locator('input[name=low_balance]').inputValue(), /^300(\.00)?$/);
        const mine = await acme.request.get(`${base}/customer/balance/entries.csv`);
        assert.equal(mine.status(), 200);
        assert.match(await mine.text(), /Bank transfer ref 7781/);
        const id = customerUrl.match(/(\d+)$/)[1];
        const theirs = await acme.request.get(`${base}/admin/customers/${Number(id) + 1}/ledger.csv`, { maxRedirects: 0 });
        assert.notEqual(theirs.status(), 200);
      } finally {
        await other.browser.close();
      }
    }));
}
