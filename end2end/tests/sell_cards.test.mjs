// Issue 6's sell rate cards: after a real deck is imported and activated for a carrier, a
// switch operator generates the Standard card for Wholesale customers (lowest buy rate + 20 %,
// rounded up), reviews its rates, and publishes it; the LCR tester shows the margin against
// the customer's sell rate; the Wholesale customer then sees the card
// and its rate notice under My rates, searches it and downloads it as CSV, without the buy
// rates. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, activateRealDeck, ready, signIn, openBrowser } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a sell card is generated from a real deck, published, and seen by the customer`, () =>
    withSession({ javaScript, email: 'switch@didtron.example' }, async (base, page) => {
      await activateRealDeck(page, base, javaScript);

      await page.goto(`${base}/switch/sell-cards`);
      await ready(page, javaScript);
      await page.getByText('No sell card yet').waitFor();
      // A bad amount is named on the form.
      await page.selectOption('#card-form select[name=category_id]', { label: 'Wholesale' });
      await page.fill('#card-form input[name=markup_value]', 'twenty');
      await page.getByRole('button', { name: 'Generate card' }).click();
      await page.getByText(/`twenty` is not a number/).waitFor();
      await page.selectOption('#card-form select[name=category_id]', { label: 'Wholesale' });
      await page.fill('#card-form input[name=markup_value]', '20');
      await Promise.all([page.waitForURL(/\/switch\/sell-cards\/\d+/), page.getByRole('button', { name: 'Generate card' }).click()]);
      await ready(page, javaScript);
      await page.getByRole('button', { name: 'Publish card' }).waitFor({ timeout: 60_000 });
      await page.getByText(/Against the card in force: 4743 new, 0 up/).waitFor();
      await page.fill('input[name=prefix]', '9377');
      await Promise.all([page.waitForURL(/prefix=9377/), page.getByRole('button', { name: 'Search' }).click()]);
      await ready(page, javaScript);
      if (javaScript) await page.waitForLoadState('networkidle');
      // 0.2730 + 20 % = 0.3276; the only carrier's rate is the lowest buy rate.
      assert.match(await page.locator('#card-rates tbody tr').first().textContent(), /9377Afghanistan0\.32761\/10\.2730\.27301new/);
      await page.getByRole('button', { name: 'Publish card' }).click();
      await page.getByText('Card published; 1 customer notice(s) queued.').waitFor();

      // The LCR tester compares the route with Acme's sell rate: 0.3276 - 0.2730 = 0.0546.
      await page.goto(`${base}/switch/lcr-tester`);
      await ready(page, javaScript);
      await page.fill('#lcr-form input[name=number]', '+93 77 123 4567');
      await page.selectOption('#lcr-form select[name=customer]', { label: 'Acme Telecom Ltd' });
      await Promise.all([page.waitForURL(/number=/), page.getByRole('button', { name: 'Route' }).click()]);
      await ready(page, javaScript);
      if (javaScript) await page.waitForLoadState('networkidle');
      await page.locator('#routes').waitFor();
      assert.match(await page.locator('#lcr-sell').textContent(), /Acme Telecom Ltd buys this number at 0\.3276\/min USD/);
      assert.match(await page.locator('#routes tbody tr').first().textContent(), /0\.0546/);

      const other = await openBrowser({ javaScript });
      try {
        const acme = other.page;
        await signIn(acme, base, 'customer@didtron.example', javaScript);
        await acme.goto(`${base}/customer/rates`);
        await ready(acme, javaScript);
        const cards = acme.locator('#my-cards');
        await cards.waitFor();
        assert.match(await cards.textContent(), /Standard · your category.*4743/s);
        assert.match(await acme.locator('#notices').textContent(), /Standard rates from .*4743 new, 0 up/);
        const href = await acme.locator('#my-cards a', { hasText: 'Download CSV' }).getAttribute('href');
        const csv = await acme.request.get(`${base}${href}`);
        assert.equal(csv.status(), 200);
        const lines = (await csv.text()).split('\n');
        assert.match(lines[0], /^Prefix,Destination,Rate per minute,Connection fee,Initial increment,Next increment,Effective from/);
        assert.ok(lines.some((l) => l.startsWith('9377,Afghanistan,0.3276,')), lines.slice(0, 5).join('\n'));
        await acme.getByRole('link', { name: /Standard · your category/ }).click();
        await acme.waitForURL(/\/customer\/rates\/\d+$/);
        await ready(acme, javaScript);
        await acme.locator('#card-rates').waitFor();
        assert.doesNotMatch(await acme.locator('#card-rates thead').textContent(), /Lowest buy/);
        assert.equal(await acme.getByRole('button', { name: 'Publish card' }).count(), 0);
      } finally {
        await other.browser.close();
      }
    }));
}
