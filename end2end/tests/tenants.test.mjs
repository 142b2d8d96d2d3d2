// Issue 3's journeys: customers, feature assignment as a customer sees it, API keys used for
// real, white-label brands by host, logo upload and the audit log; with JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, signIn, ready, startServer, openBrowser } from './helpers.mjs';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGUlEQVR4nGNgoBAwUqqfYdQA1IBR/QAAAP//AwBE0AEQ9vJc7gAAAABJRU5ErkJggg==',
  'base64',
);

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: staff create a customer, find it, export it, and the audit log shows who did it`, () =>
    withSession({ javaScript, email: 'staff@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/admin/customers/new`);
      await ready(page, javaScript);
      await page.fill('input[name=company_name]', 'Nordic Wholesale AB');
      await page.fill('input[name=contact_email]', 'noc@nordic.example');
      await page.selectOption('select[name=group_id]', { label: 'Wholesale › Standard' });
      await page.fill('input[name=billing_currency]', 'SEKX');
      await page.fill('input[name=credit_limit]', '2500.5');
      await page.getByRole('button', { name: 'Create customer' }).click();
      await page.getByText('Billing currency `SEKX` is not an ISO 4217 currency code').waitFor();
      if (!javaScript) {
        // Without JavaScript the form comes back empty with the error: fill it again.
        await page.fill('input[name=company_name]', 'Nordic Wholesale AB');
        await page.fill('input[name=contact_email]', 'noc@nordic.example');
        await page.selectOption('select[name=group_id]', { label: 'Wholesale › Standard' });
        await page.fill('input[name=credit_limit]', '2500.5');
      }
      await page.fill('input[name=billing_currency]', 'sek');
      await page.getByRole('button', { name: 'Create customer' }).click();
      await page.waitForURL(/\/admin\/customers\/\d+\?saved=1/);
      await ready(page, javaScript);
      await page.getByText('Customer saved.').waitFor();
      assert.ok(await page.getByText('Wholesale / Standard').first().isVisible());

      await page.goto(`${base}/admin/customers?q=nordic`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Nordic Wholesale AB' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Acme Telecom Ltd' }).count(), 0);
      const csv = await page.request.get(`${base}/admin/customers/export.csv?q=nordic`);
      assert.equal(csv.status(), 200);
      const lines = (await csv.text()).trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[1], /Nordic Wholesale AB,,noc@nordic\.example,,,SEK,prepaid,2500\.5,active,Wholesale,Standard,/);

      await page.goto(`${base}/admin/audit?entity=customer&action=create`);
      await ready(page, javaScript);
      const row = page.getByRole('row').filter({ hasText: 'Nordic Wholesale AB' });
      await row.waitFor();
      assert.match(await row.textContent(), /staff@didtron\.example/);
    }));

  test(`${mode}: a feature appears for a customer once assigned, and its key works on the API`, () =>
    withSession({ javaScript }, async (base, page) => {
      // Blue Lagoon Calls (Retail) has no API access in the demo; give it to its category.
      await signIn(page, base, 'superadmin@didtron.example', javaScript);
      await page.goto(`${base}/admin/customers?q=lagoon`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Blue Lagoon Calls' }).click();
      await page.waitForURL(/\/admin\/customers\/\d+/);
      await ready(page, javaScript);
      await page.goto(page.url().split('?')[0] + '?tab=users');
      await ready(page, javaScript);
      await page.fill('input[name=email]', 'bea@bluelagoon.example');
      await page.fill('input[name=display_name]', 'Bea Lund');
      await page.fill('input[name=password]', 'lagoon-pass-2026');
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.getByRole('cell', { name: 'bea@bluelagoon.example' }).waitFor();

      const other = await openBrowser({ javaScript });
      try {
        const bea = other.page;
        await bea.goto(`${base}/login`);
        await ready(bea, javaScript);
        await bea.fill('input[name=email]', 'bea@bluelagoon.example');
        await bea.fill('input[name=password]', 'lagoon-pass-2026');
        await Promise.all([bea.waitForURL(`${base}/customer`), bea.click('button[type=submit]')]);
        await ready(bea, javaScript);
        assert.equal(await bea.locator('a[href="/customer/api-keys"]').count(), 0, 'hidden before');
        const refused = await bea.goto(`${base}/customer/api-keys`);
        assert.equal(refused.status(), 403);

        await page.goto(`${base}/admin/features`);
        await ready(page, javaScript);
        await page.selectOption('select[name=feature]', 'api_access');
        await page.selectOption('select[name=audience]', { label: 'Category: Retail' });
        await page.getByRole('button', { name: 'Assign', exact: true }).click();
        await page.getByRole('row', { name: /API access/ }).getByText('Category Retail').waitFor();

        const opened = await bea.goto(`${base}/customer/api-keys`);
        assert.equal(opened.status(), 200);
        await ready(bea, javaScript);
        // The key list loads after hydration; a click before it lands on the server's form.
        if (javaScript) await bea.waitForLoadState('networkidle');
        await bea.getByRole('link', { name: 'API keys' }).first().waitFor();
        if (javaScript) {
          await bea.fill('input[name=name]', 'billing sync');
          await bea.check('input[value="account:read"]');
          await bea.getByRole('button', { name: 'Create key' }).click();
          const token = await bea.getByLabel('The new API key').inputValue();
          assert.match(token, /^dtk_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
          const res = await fetch(`${base}/api/v1/account`, { headers: { Authorization: `Bearer ${token}` } });
          assert.equal(res.status, 200);
          const body = await res.json();
          assert.equal(body.customer.company_name, 'Blue Lagoon Calls');
          await bea.reload();
          await ready(bea, javaScript);
          await bea.getByRole('row', { name: /billing sync/ }).waitFor();
          assert.ok(!(await bea.content()).includes(token), 'the secret is shown once');
        }
      } finally {
        await other.browser.close();
      }
    }));
}

test('brands: each host shows its own brand, an unknown host shows nothing', async () => {
  const server = await startServer();
  const port = new URL(server.base).port;
  const { browser, page } = await openBrowser({ javaScript: true });
  try {
    page.on('console', () => {});
    const unknown = await page.goto(`http://unknown.localhost:${port}/login`);
    assert.equal(unknown.status(), 404);
    await page.getByText('Unknown site').waitFor();

    const hub = `http://voicehub.localhost:${port}`;
    await page.goto(`${hub}/login`);
    await ready(page, true);
    assert.match(await page.title(), /VoiceHub/);
    const accent = await page.evaluate(() => getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor);
    assert.equal(accent, 'rgb(15, 118, 110)', 'the brand colour on first paint');
    await signIn(page, hub, 'admin@voicehub.example', true);
    assert.equal(new URL(page.url()).pathname, '/admin');
    await page.goto(`${hub}/admin/customers`);
    await ready(page, true);
    await page.getByText('No customer matches').waitFor();

    // Its admin uploads a logo (a plain multipart form) and the header shows it.
    await page.goto(`${hub}/admin/tenants`);
    await ready(page, true);
    assert.equal(await page.getByRole('link', { name: 'DIDTron' }).count(), 0, 'only its own tenant');
    await page.getByRole('cell').getByRole('link', { name: 'VoiceHub' }).click();
    await page.waitForURL(/\/admin\/tenants\/\d+/);
    await page.goto(page.url().split('?')[0] + '?tab=branding');
    await ready(page, true);
    await page.setInputFiles('input[name=logo]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    await page.getByText('Logo is not a PNG, JPEG, GIF or WebP image').waitFor();
    await page.setInputFiles('input[name=logo]', { name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    await page.getByText('Logo saved.').waitFor();
    await page.goto(`${hub}/admin`);
    await ready(page, true);
    assert.equal(await page.locator('header img[src="/brand/logo"]').count(), 1);
    // (Node cannot resolve *.localhost; the browser can.)
    const type = await page.evaluate(async () => (await fetch('/brand/logo')).headers.get('content-type'));
    assert.equal(type, 'image/png');
    // The operator's own site keeps the DIDTron logo.
    const own = await page.request.get(`${server.base}/brand/logo`, { maxRedirects: 0 });
    assert.equal(own.status(), 307);
  } catch (err) {
    await page.screenshot({ path: `test-results/failure-brands-${Date.now()}.png` }).catch(() => {});
    throw err;
  } finally {
    await browser.close();
    server.stop();
  }
});
