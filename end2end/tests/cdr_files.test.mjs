// Issue 7's large CDR files: a switch operator uploads a file of 10,050 calls (more than one
// request takes), which is rated in the background: the page says it was queued, shows the
// file's progress and, when done, its counts and a download of its problem lines (a bad start
// on line 5,001), which names the line and the reason. JavaScript off (the page refreshes
// itself while the file runs) and on (the list is fetched again every second).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, activateRealDeck, ready, publishCard } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a CDR file of 10,050 lines is rated in the background`, () =>
    withSession({ javaScript, email: 'switch@didtron.example' }, async (base, page) => {
      await activateRealDeck(page, base, javaScript);
      await publishCard(page, javaScript, '20');
      const start = new Date(Date.now() + 5_000).toISOString();
      const lines = ['call_id,start,b_number,carrier,customer,tier,sip_code'];
      for (let i = 0; i < 10_050; i++) {
        // Unanswered calls: rated at 0.0000, nothing charged.
        const begin = i === 4_999 ? 'soon' : start;
        lines.push(`big-${i},${begin},+93 77 123 ${String(i).padStart(4, '0')},Northwind Voice,Acme Telecom Ltd,Standard,486`);
      }
      await page.goto(`${base}/switch/cdrs`);
      await ready(page, javaScript);
      await page.setInputFiles('#cdr-upload input[name=file]', { name: 'november.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
      await Promise.all([page.waitForURL(/queued=/), page.getByRole('button', { name: 'Upload CDRs' }).click()]);
      await page.getByText('november.csv (10050 lines) is being rated in the background: its progress is below.').waitFor();
      const row = page.locator('#cdr-files tbody tr', { hasText: 'november.csv' });
      await row.getByText('done').waitFor({ timeout: 120_000 });
      assert.match(await row.textContent(), /10050 lines read: 10049 rated, 0 unpaid, 0 unrated, 0 sent before, 1 refused/);
      const href = await row.getByRole('link', { name: '1 (CSV)' }).getAttribute('href');
      const csv = await page.request.get(`${base}${href}`);
      assert.equal(csv.status(), 200);
      const text = await csv.text();
      assert.match(text, /^line,call_id,status,reason\r?\n5001,big-4999,refused,start: `soon` is not a time like/);

      // The calls are there, once each.
      await page.goto(`${base}/switch/cdrs?q=big-10049`);
      await ready(page, javaScript);
      assert.match(await page.locator('#cdrs tbody tr').textContent(), /big-10049.*Afghanistan.*0\.0000 USD.*rated/);
    }));
}
