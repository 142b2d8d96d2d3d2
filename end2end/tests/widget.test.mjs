// Issue 6's embeddable price widget: a switch operator imports a real deck, publishes the
// Standard card for all customers, ticks Website on the Standard tier and copies the two lines
// the Routing tiers page gives. A plain HTML page on another origin (a Node server on another
// port, as the tenant's own website) carries those lines: a visitor types a number and sees the
// destination, the price per minute and the billing increments, in the brand colour the super
// admin set; a number that is not priced, a bad number and an empty one are answered in words.
// Without JavaScript the visitor sees the link the lines carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { withSession, activateRealDeck, ready, openBrowser, signIn } from './helpers.mjs';

/// Serves `html` at `/` of a loopback port: the tenant's own website.
async function website(html) {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/' ? html : 'not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

test('a tenant website on another origin shows the public rates with one script tag', () =>
  withSession({ javaScript: false, email: 'switch@didtron.example' }, async (base, page) => {
    // The brand colour the widget should wear, set by the super admin.
    const admin = await openBrowser({ javaScript: false });
    try {
      await signIn(admin.page, base, 'superadmin@didtron.example', false);
      await admin.page.goto(`${base}/admin/tenants/1`);
      await admin.page.fill('input[name=primary_color]', '#7C3AED');
      await admin.page.getByRole('button', { name: 'Save tenant' }).click();
      await admin.page.waitForLoadState('load');
    } finally {
      await admin.browser.close();
    }

    await activateRealDeck(page, base, false);
    await page.goto(`${base}/switch/sell-cards`);
    await ready(page, false);
    // Standard (the default tier) for All customers (the default category), +20 %.
    await page.fill('#card-form input[name=markup_value]', '20');
    await Promise.all([page.waitForURL(/\/switch\/sell-cards\/\d+/), page.getByRole('button', { name: 'Generate card' }).click()]);
    await page.getByRole('button', { name: 'Publish card' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Publish card' }).click();
    await page.getByText(/Card published/).waitFor();

    await page.goto(`${base}/switch/routing`);
    await ready(page, false);
    assert.match(await page.locator('#price-widget').textContent(), /No tier publishes its rates yet/);
    await page.getByRole('link', { name: 'Edit tier Standard' }).click();
    await page.waitForURL(/tier=\d+/);
    await page.check('#t-public');
    await page.getByRole('button', { name: 'Save tier' }).click();
    await page.getByText('Tier saved.').waitFor();
    assert.match(await page.locator('#price-widget').textContent(), /look up the rates of Standard/);
    const snippet = await page.locator('#widget-snippet').textContent();
    assert.ok(snippet.includes(`<script src="${base}/widget/embed.js" async></script>`), snippet);

    const site = await website(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body style="font-family: sans-serif"><h1>Call the world with Acme</h1>
${snippet}
</body></html>`);
    const visitor = await openBrowser({ javaScript: true });
    const noScript = await openBrowser({ javaScript: false });
    try {
      const v = visitor.page;
      const errors = [];
      v.on('pageerror', (e) => errors.push(String(e)));
      await v.goto(site.url);
      assert.notEqual(new URL(v.url()).origin, new URL(base).origin);
      const widget = v.locator('form.didtron-rates');
      await widget.waitFor({ timeout: 20_000 });
      await v.getByText('DIDTron call rates').waitFor();
      // The tenant's colour, from /public/v1/brand, on the button.
      assert.equal(await v.locator('.didtron-rates button').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(124, 58, 237)');

      await v.getByRole('button', { name: 'Check price' }).click();
      await v.getByText('Type a number in international format').waitFor();

      await v.fill('.didtron-rates input[name=number]', '+93 77 123 4567');
      await v.getByRole('button', { name: 'Check price' }).click();
      const row = v.locator('.didtron-rates__table tbody tr');
      await row.first().waitFor();
      // 0.2730 + 20 % = 0.3276 per minute, with the deck's per-second billing and its
      // connection fee.
      assert.equal(await row.count(), 1);
      assert.equal(await row.first().textContent(), 'Standard0.3276 USDper second, plus 0.273 USD per answered call');
      assert.match(await v.locator('.didtron-rates__destination').textContent(), /Afghanistan.*\+93771234567/);

      // The deck prices no international freephone number.
      await v.fill('.didtron-rates input[name=number]', '+800 1234 5678');
      await v.getByRole('button', { name: 'Check price' }).click();
      await v.getByText(/DIDTron publishes no rate for \+80012345678/).waitFor();
      assert.equal(await row.count(), 0);

      await v.fill('.didtron-rates input[name=number]', 'call me');
      await v.getByRole('button', { name: 'Check price' }).click();
      await v.getByText(/type the number in international format, like \+44 20 7946 0000/).waitFor();
      assert.deepEqual(errors, []);

      // Without JavaScript: the link the lines carry, to the portal's own preview page.
      await noScript.page.goto(site.url);
      const link = noScript.page.getByRole('link', { name: 'Our call rates' });
      assert.equal(await link.getAttribute('href'), `${base}/widget/`);
    } finally {
      await visitor.browser.close();
      await noScript.browser.close();
      site.close();
    }
  }));

test('the widget files answer any origin and say how to build a missing one', () =>
  withSession({ javaScript: false }, async (base) => {
    const js = await fetch(`${base}/widget/embed.js`, { headers: { Origin: 'https://shop.example' } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('access-control-allow-origin'), '*');
    assert.match(js.headers.get('content-type'), /javascript/);
    const wasm = await fetch(`${base}/widget/widget_bg.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    const missing = await fetch(`${base}/widget/nothing.js`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /trunk build/);
    const brand = await (await fetch(`${base}/public/v1/brand`)).json();
    assert.deepEqual(brand, { brand: 'DIDTron', color: '#2563EB' });
  }));
