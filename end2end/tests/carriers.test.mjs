// Issue 6's carriers: staff create a carrier (a bad currency is named), add, edit and delete its
// SIP trunks (a bad host is named); the switch operator manages the same carriers from the
// Softswitch portal; a customer is refused. With JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, signIn, ready } from './helpers.mjs';

async function fillTrunk(page, { name, host, port = '' }) {
  await page.fill('#trunk-form input[name=name]', name);
  await page.fill('#trunk-form input[name=host]', host);
  await page.fill('#trunk-form input[name=port]', port);
  await page.fill('#trunk-form input[name=username]', 'didtron');
  await page.fill('#trunk-form input[name=password]', 'digest-secret-1');
  await page.fill('#trunk-form input[name=codecs]', 'g729, pcma');
}

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: staff create a carrier and manage its trunks`, () =>
    withSession({ javaScript, email: 'staff@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/admin/carriers`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Northwind Voice' }).waitFor();
      assert.ok(await page.getByRole('link', { name: 'Contoso Telecom' }).isVisible());

      await page.locator('.head-actions').getByRole('link', { name: 'New carrier' }).click();
      await page.waitForURL(/\/admin\/carriers\/new/);
      await ready(page, javaScript);
      const fill = async () => {
        await page.fill('input[name=name]', 'Fabrikam Transit');
        await page.fill('input[name=technical_prefix]', '9090#');
        await page.fill('input[name=max_cps]', '25');
        await page.fill('input[name=noc_email]', 'noc@fabrikam.example');
      };
      await fill();
      await page.fill('input[name=currency]', 'EURO');
      await page.getByRole('button', { name: 'Create carrier' }).click();
      await page.getByText('Currency `EURO` is not an ISO 4217 currency code').waitFor();
      if (!javaScript) await fill();
      await page.fill('input[name=currency]', 'eur');
      await page.getByRole('button', { name: 'Create carrier' }).click();
      await page.waitForURL(/\/admin\/carriers\/\d+\?saved=1/);
      await ready(page, javaScript);
      await page.getByText('Carrier saved.').waitFor();
      assert.match(await page.locator('.page-head').textContent(), /EUR · 0 trunks · CPS 25 · channels no limit/);
      const carrierUrl = page.url().replace(/\?.*$/, '');

      // Every tab of the carrier page loads and hydrates without a script error.
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      for (const tab of ['decks', 'trunks', 'activity', 'limits']) {
        await page.goto(`${carrierUrl}?tab=${tab}`);
        await ready(page, javaScript);
      }
      if (javaScript) await page.waitForTimeout(500);
      assert.deepEqual(pageErrors, []);

      // Edits on two tabs of the carrier form, saved at once: with JavaScript the tabs switch in
      // place; without, the form shows all its sections, so no tab switch loses what was typed.
      await page.goto(`${carrierUrl}?tab=general`);
      await ready(page, javaScript);
      await page.fill('textarea[name=notes]', 'Night routes only');
      if (javaScript) {
        await page.locator('.content-tabs').getByRole('link', { name: 'Limits' }).click();
        await page.waitForURL(/tab=limits/);
      } else {
        await page.getByRole('heading', { name: 'Limits' }).waitFor();
      }
      await page.fill('input[name=max_cps]', '30');
      await page.getByRole('button', { name: 'Save carrier' }).click();
      await page.getByText('Carrier saved.').waitFor();
      await ready(page, javaScript);
      // With JavaScript the notice can show before the carrier is fetched again.
      await page.locator('.page-head', { hasText: 'CPS 30' }).waitFor();
      await page.goto(`${carrierUrl}?tab=general`);
      await ready(page, javaScript);
      assert.equal(await page.inputValue('textarea[name=notes]'), 'Night routes only');

      await page.goto(`${carrierUrl}?tab=trunks`);
      await ready(page, javaScript);
      await page.getByText('No trunk yet').waitFor();
      await fillTrunk(page, { name: 'Primary', host: 'sip:gw.fabrikam.example' });
      await page.getByRole('button', { name: 'Add trunk' }).click();
      await page.getByText('Host `sip:gw.fabrikam.example` is neither an IP address nor a host name').waitFor();
      await fillTrunk(page, { name: 'Primary', host: 'gw.fabrikam.example' });
      await page.getByRole('button', { name: 'Add trunk' }).click();
      await page.getByText('Trunk saved.').waitFor();
      const row = page.getByRole('row').filter({ hasText: 'Primary' });
      await row.waitFor();
      assert.match(await row.textContent(), /sip:gw\.fabrikam\.example:5060;transport=udp/);
      assert.match(await row.textContent(), /G729, PCMA/);
      assert.doesNotMatch(await page.content(), /digest-secret-1/);

      await page.getByRole('link', { name: 'Edit trunk Primary' }).click();
      await page.waitForURL(/trunk=\d+/);
      await ready(page, javaScript);
      await page.getByRole('heading', { name: 'Edit trunk Primary' }).waitFor();
      await page.fill('#trunk-form input[name=port]', '5080');
      await page.selectOption('#trunk-form select[name=transport]', 'tcp');
      await page.getByRole('button', { name: 'Save trunk' }).click();
      await page.getByText('Trunk saved.').waitFor();
      await page.getByText('sip:gw.fabrikam.example:5080;transport=tcp').waitFor();

      // Delete asks first.
      await page.locator('#trunks details.confirm summary', { hasText: 'Delete' }).click();
      await page.getByRole('button', { name: 'Delete trunk Primary' }).click();
      await page.getByText('Trunk deleted.').waitFor();
      await page.getByText('No trunk yet').waitFor();

      await page.goto(`${base}/admin/audit?entity=carrier_trunk`);
      await ready(page, javaScript);
      await page.getByRole('row').filter({ hasText: 'delete' }).first().waitFor();
      assert.doesNotMatch(await page.content(), /digest-secret-1/);
    }));

  test(`${mode}: the switch operator manages carriers in the Softswitch portal; a customer may not`, () =>
    withSession({ javaScript, email: 'switch@didtron.example' }, async (base, page) => {
      await page.goto(`${base}/switch/carriers?status=testing`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Contoso Telecom' }).click();
      await page.waitForURL(/\/switch\/carriers\/\d+/);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Limits' }).click();
      await page.waitForURL(/tab=limits/);
      await ready(page, javaScript);
      await page.fill('input[name=max_channels]', '120');
      await page.getByRole('button', { name: 'Save carrier' }).click();
      await page.waitForURL(/\/switch\/carriers\/\d+\?tab=limits&saved=1/);
      await ready(page, javaScript);
      await page.getByText('channels 120').waitFor();
      await page.goto(page.url().replace(/\?.*$/, '?tab=trunks'));
      await ready(page, javaScript);
      const row = page.getByRole('row').filter({ hasText: 'Frankfurt' });
      assert.match(await row.textContent(), /sip:\[2001:db8::5060\]:5060;transport=tcp/);
      assert.match(await row.textContent(), /Digest: didtron-demo/);

      await page.context().clearCookies();
      await signIn(page, base, 'customer@didtron.example', javaScript);
      const res = await page.goto(`${base}/admin/carriers`);
      assert.equal(res.status(), 403);
    }));
}
