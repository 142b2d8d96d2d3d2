// Issue 6's routing tiers and LCR tester: the default tiers are shown; a failover on 486 is
// refused with the reason; after a real deck is imported and activated for a carrier, the LCR
// tester routes a number through it with the rate, the call's cost and the trunk, and says which
// carriers have no deck in force; a switch key then gets the same route from the LCR API.
// JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, activateRealDeck, ready } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: tiers are edited with safe failover, and the LCR tester routes through an imported deck`, () =>
    withSession({ javaScript, email: 'switch@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/switch/routing`);
      await ready(page, javaScript);
      const tiers = page.locator('#tiers');
      await tiers.waitFor();
      for (const name of ['Premium', 'Standard', 'Economy']) assert.match(await tiers.textContent(), new RegExp(name));
      assert.match(await tiers.locator('tr').filter({ hasText: 'Economy' }).textContent(), /Premium, Satellite/);

      await page.fill('#tier-form input[name=name]', 'Busy redial');
      await page.fill('#tier-form input[name=next_on]', '408, 486');
      await page.getByRole('button', { name: 'Create tier' }).click();
      await page.getByText(/may not include 486: the callee answered/).waitFor();

      // A real deck for Northwind Voice, imported and activated.
      await activateRealDeck(page, base, javaScript);

      await page.goto(`${base}/switch/lcr-tester`);
      await ready(page, javaScript);
      await page.fill('#lcr-form input[name=number]', '+93 77 123 4567');
      await page.fill('#lcr-form input[name=duration]', '90');
      await Promise.all([page.waitForURL(/number=/), page.getByRole('button', { name: 'Route' }).click()]);
      await ready(page, javaScript);
      if (javaScript) await page.waitForLoadState('networkidle');
      await page.locator('#routes').waitFor();
      assert.match(await page.locator('#lcr-summary').textContent(), /\+93771234567 · Afghanistan \(Fixed\) · tier Standard/);
      const first = page.locator('#routes tbody tr').first();
      // 90 s at 1/1 and 0.2730/min plus a 0.273 connection fee: 0.6825 -> 0.68 USD.
      assert.match(await first.textContent(), /1Northwind Voice9377Afghanistan0\.2730 USD1\/10\.2730\.68 USDsip:sip2\.northwind\.example:5060;transport=udp sip:203\.0\.113\.10:5060;transport=udp/);
      assert.match(await page.content(), /No deck in force at that time: Contoso Telecom/);

      if (javaScript) {
        // A switch key with routes:read gets the same route from the LCR API.
        await page.goto(`${base}/switch/api-keys`);
        await ready(page, javaScript);
        await page.fill('input[name=name]', 'Kamailio edge 1');
        await page.check('input[value="routes:read"]');
        await page.getByRole('button', { name: 'Create key' }).click();
        const token = await page.getByLabel('The new API key').inputValue();
        const ask = (query) => fetch(`${base}/api/v1/routes?${query}`, { headers: { Authorization: `Bearer ${token}` } });
        const res = await ask('number=%2B93771234567&tier=standard&call_id=abc');
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.number, '93771234567');
        assert.equal(body.tier.name, 'Standard');
        assert.equal(body.destination.country, 'Afghanistan');
        const route = body.routes[0];
        assert.equal(route.carrier.name, 'Northwind Voice');
        assert.equal(route.rate, '0.2730');
        assert.equal(route.currency, 'USD');
        assert.equal(route.dial, '7001#93771234567');
        assert.deepEqual(route.trunks.map((t) => t.uri), ['sip:sip2.northwind.example:5060;transport=udp', 'sip:203.0.113.10:5060;transport=udp']);
        assert.deepEqual(body.failover.stop_on, [404, 480, 486, 603]);
        const bad = await ask('number=%2B93771234567&tier=Gold');
        assert.equal(bad.status, 422);
        assert.match((await bad.json()).message, /the tiers are .*Standard/);
        assert.equal((await fetch(`${base}/api/v1/routes?number=1&tier=Standard`)).status, 401);
      }
    }));
}
