// Issue 7's re-rating: a switch operator charges Acme Telecom for a call to Afghanistan on the
// Standard card (+20 %, in force since 1 January: 0.3276 a minute plus 0.273 a call), then publishes a cheaper card
// (+10 %) back-dated to just after the first one, after previewing its impact on the last 30
// days of calls. Staff run a dry run of today (a job; its page shows progress until done): Acme's line says
// 0.6006 before, 0.5733 after, +0.0273 to give back, and the call's price before and after;
// nothing is posted yet. Applied, Acme's ledger has one re-rating entry; applying again changes
// nothing, and the margin report shows the re-rated revenue. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, activateRealDeck, ready, signIn, openBrowser, generateCard, publishCard } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a period is re-rated after a dry run, once`, () =>
    withSession({ javaScript, email: 'switch@didtron.example' }, async (base, page) => {
      await activateRealDeck(page, base, javaScript);
      await publishCard(page, javaScript, '20', '2026-01-01T00:00');
      // After the card took effect (it is in force from its publication).
      const start = new Date(Date.now() + 5_000);
      const at = (s) => new Date(start.getTime() + s * 1000).toISOString();
      await page.goto(`${base}/switch/cdrs`);
      await ready(page, javaScript);
      const file = ['call_id,start,answer,end,b_number,carrier,customer,tier',
        `rr-1,${at(0)},${at(3)},${at(63)},+93 77 123 4567,Northwind Voice,Acme Telecom Ltd,Standard`].join('\n');
      await page.setInputFiles('#cdr-upload input[name=file]', { name: 'cdrs.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await Promise.all([page.waitForURL(/imported=/), page.getByRole('button', { name: 'Upload CDRs' }).click()]);
      await page.getByText('1 lines read: 1 rated').waitFor();
      // The cheaper card, in force from a day after the first (the card in force is the one
      // that took effect last; a decrease needs no notice).
      await generateCard(page, javaScript, '10', '2026-01-02T00:00');
      const cardUrl = page.url();
      // Before publishing, its impact on the last 30 days: the call would bring 0.5733, not
      // 0.6006; the margin over its 0.5460 cost halves.
      await Promise.all([page.waitForURL(/impact=1/), page.getByRole('link', { name: 'Preview the impact on the last 30 days of calls' }).click()]);
      await ready(page, javaScript);
      await page.locator('#impact-total').waitFor();
      assert.match(await page.locator('#impact-total tbody').textContent(), /^All calls10\.60060\.5733-0\.02730\.05460\.0273$/);
      assert.match(await page.locator('#impact-destinations tbody').textContent(), /^Afghanistan1/);
      assert.match(await page.locator('#impact-customers tbody').textContent(), /^Acme Telecom Ltd1/);
      await page.goto(cardUrl);
      await ready(page, javaScript);
      await page.getByRole('button', { name: 'Publish card' }).click();
      await page.getByText(/Card published/).waitFor();

      const other = await openBrowser({ javaScript });
      try {
        const staff = other.page;
        await signIn(staff, base, 'staff@didtron.example', javaScript);
        await staff.goto(`${base}/admin/rerating`);
        await ready(staff, javaScript);
        const today = new Date().toISOString().slice(0, 10);
        await staff.fill('#rerate-form input[name=from]', today);
        await staff.fill('#rerate-form input[name=to]', today);
        // The route cache may take a second to see the new card: dry-run until it does.
        let lines = '';
        for (let i = 0; i < 10 && !/0\.5733/.test(lines); i++) {
          if (i > 0) {
            await staff.goto(`${base}/admin/rerating`);
            await ready(staff, javaScript);
            await staff.fill('#rerate-form input[name=from]', today);
            await staff.fill('#rerate-form input[name=to]', today);
            await staff.waitForTimeout(500);
          }
          await Promise.all([staff.waitForURL(/\/admin\/rerating\/\d+$/), staff.getByRole('button', { name: 'Dry run' }).click()]);
          await ready(staff, javaScript);
          // The dry run is a job: its page shows the progress until it is done.
          await staff.locator('#rerate-summary', { hasText: /calls checked, \d+ re-priced/ }).waitFor({ timeout: 60_000 });
          await ready(staff, javaScript);
          lines = (await staff.locator('#rerate-lines').count()) ? await staff.locator('#rerate-lines tbody').textContent() : '';
        }
        assert.match(lines, /^Acme Telecom Ltd10\.6006 USD0\.5733 USD\+0\.0273 USDnot yet$/);
        assert.match(await staff.locator('#rerate-calls tbody').textContent(), /rr-1.*93771234567.*Afghanistan.*rated0\.6006 USD → 0\.5733 USD/);
        assert.match(await staff.locator('#rerate-summary').textContent(), /Dry run All customers · \d+ calls checked, 1 re-priced, 0 left out\./);

        const apply = staff.getByRole('button', { name: /^Apply: re-rate 1 call\(s\), post 1 adjustment\(s\)$/ });
        await apply.click();
        await staff.getByText('Applied: the calls are re-rated and the adjustments posted.').waitFor();
        // With JavaScript the notice can show before the run is fetched again.
        await staff.locator('#rerate-lines tbody', { hasText: 'posted' }).waitFor();
        assert.match(await staff.locator('#rerate-lines tbody').textContent(), /\+0\.0273 USDposted$/);
        assert.equal(await staff.getByRole('button', { name: /^Apply/ }).count(), 0);

        // Acme's ledger: the charge, then the re-rating credit.
        await staff.goto(`${base}/admin/customers?q=acme`);
        await ready(staff, javaScript);
        await staff.getByRole('link', { name: 'Acme Telecom Ltd' }).click();
        await staff.waitForURL(/\/admin\/customers\/\d+$/);
        await staff.goto(`${staff.url()}?tab=balance&kind=rerate`);
        await ready(staff, javaScript);
        assert.equal(await staff.locator('#ledger-entries tbody tr').count(), 1);
        assert.match(await staff.locator('#ledger-entries tbody').textContent(), /Re-ratingRe-rating #\d+ of 1 call\(s\) from .*\+0\.0273/);
        assert.match(await staff.locator('#balance').textContent(), /249\.4267 USDBalance/);

        // The margin report by customer: revenue 0.5733 (re-rated), cost 0.5460, margin 0.0273.
        await staff.goto(`${base}/admin/margins`);
        await ready(staff, javaScript);
        await staff.selectOption('#margin-filters select[name=by]', 'customer');
        await Promise.all([staff.waitForURL(/by=customer/), staff.getByRole('button', { name: 'Show' }).click()]);
        await ready(staff, javaScript);
        // Hydrated, the URL changes before the rows grouped by customer replace the carriers'.
        await staff.locator('#margins tbody', { hasText: 'Acme Telecom Ltd' }).waitFor();
        assert.match(await staff.locator('#margins tbody').textContent(), /^Acme Telecom Ltd11\.00\.5733 USD0\.5460 USD0\.0273 USD4\.7 %$/);
        assert.equal(await staff.locator('.margin-chart svg').count(), 1);
      } finally {
        await other.browser.close();
      }
    }));
}
