// Issue 6's A-Z destinations: the seeded numbering plan is searched by name and by type; an A-Z
// file adds mobile ranges, its bad rows named by line while the others are kept; a rate of a
// deck shows its A-Z name. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: staff search the A-Z database and import an A-Z file`, () =>
    withSession({ javaScript, email: 'staff@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/admin/destinations`);
      await ready(page, javaScript);
      assert.match(await page.locator('#kind-counts').textContent(), /Satellite: 2/);
      await page.fill('form.filters input[name=q]', 'new jersey');
      await Promise.all([page.waitForURL(/q=new\+jersey|q=new%20jersey/), page.getByRole('button', { name: 'Filter' }).click()]);
      await ready(page, javaScript);
      if (javaScript) await page.waitForLoadState('networkidle');
      const row = page.locator('#destinations tbody tr').filter({ hasText: '1201' });
      assert.match(await row.textContent(), /1201US - New JerseyUSUSFixed/);

      const file = 'prefix,country,destination,type\n447,UK,UK Mobile,mobile\n44X,UK,Bad,fixed\n';
      await page.setInputFiles('#az-import input[name=file]', { name: 'a-z.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await Promise.all([page.waitForURL(/imported=1/), page.getByRole('button', { name: 'Import' }).click()]);
      await ready(page, javaScript);
      await page.getByText('1 entries imported.').waitFor();
      await page.getByText(/1 rows refused \(the others were imported\): line 3: prefix `44X`/).waitFor();
      await page.goto(`${base}/admin/destinations?kind=mobile`);
      await ready(page, javaScript);
      const mobile = page.locator('#destinations tbody tr').filter({ hasText: '447' });
      assert.deepEqual(await mobile.locator('td').allTextContents(), ['447', 'UK Mobile', 'UK', 'GB', 'Mobile', 'import']);
    }));
}
