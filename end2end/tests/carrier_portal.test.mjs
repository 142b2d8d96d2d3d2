// Issue 6's Carrier portal: the operator adds a portal user to a carrier; that user signs in to
// the Carrier portal, uploads the carrier's real A-Z deck, checks the detected columns and
// imports it; the deck waits for the operator, who activates it. JavaScript off and on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSession, ready, signIn, PASSWORD } from './helpers.mjs';

const decks = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'decks');

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: a carrier user uploads and imports its own deck, and the operator activates it`, () =>
    withSession({ javaScript, email: 'staff@didtron.example' }, async (base, page) => {
      // The operator gives Northwind Voice a portal user.
      await page.goto(`${base}/admin/carriers?q=northwind`);
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Northwind Voice' }).click();
      await page.waitForURL(/\/admin\/carriers\/\d+$/);
      await ready(page, javaScript);
      const carrierPage = page.url();
      await page.getByRole('link', { name: 'Portal users' }).click();
      await page.waitForURL(/tab=users/);
      await ready(page, javaScript);
      await page.getByText('No portal user yet').waitFor();
      const form = page.locator('#add-portal-user');
      await form.locator('input[name=email]').fill('rates@northwind.example');
      await form.locator('input[name=display_name]').fill('Nora Rates');
      await form.locator('input[name=password]').fill(PASSWORD);
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.locator('#portal-users').getByText('rates@northwind.example').waitFor();

      // The carrier signs in to its own portal and finds its rate decks.
      await page.context().clearCookies();
      await signIn(page, base, 'rates@northwind.example', javaScript);
      assert.match(page.url(), /\/carrier$/);
      await page.getByRole('link', { name: 'Rates', exact: true }).click();
      await ready(page, javaScript);
      await page.getByRole('link', { name: 'Rate decks' }).first().click();
      await page.waitForURL(/\/carrier\/decks$/);
      await ready(page, javaScript);
      await page.getByText('Northwind Voice').first().waitFor();
      await page.getByText('No rate deck yet').waitFor();

      // A bad file is named and nothing is stored; the real deck goes to its preview.
      await page.setInputFiles('#deck-upload input[name=deck]', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload deck' }).click()]);
      await ready(page, javaScript);
      await page.getByText('Deck file `empty.csv` is empty (0 bytes)').waitFor();
      assert.match(page.url(), /\/carrier\/decks\?/);
      await page.setInputFiles('#deck-upload input[name=deck]', {
        name: 'ivozprovider_pricesSample.csv', mimeType: 'text/csv', buffer: readFileSync(join(decks, 'ivozprovider_pricesSample.csv')),
      });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload deck' }).click()]);
      await ready(page, javaScript);
      assert.match(page.url(), /\/carrier\/decks\/\d+$/);
      const deckPath = new URL(page.url()).pathname;
      await page.getByText(/4743 rates \(\d+ prefixes\) would be imported; 0 rows would be refused/).waitFor();
      await page.getByRole('button', { name: 'Import deck' }).click();
      await page.getByText('Imported. The operator reviews the rate changes').waitFor({ timeout: 60_000 });
      await page.getByText(/4743 rates, \d+ prefixes imported; 0 rows refused\./).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Activate deck' }).count(), 0);
      // The operator's pages are not the carrier's.
      const admin = await page.goto(`${base}/admin/carriers`);
      assert.ok(admin.status() !== 200 || !page.url().includes('/admin/carriers'), `${admin.status()} ${page.url()}`);

      // The operator sees the imported deck on the carrier and activates it.
      await page.context().clearCookies();
      await signIn(page, base, 'staff@didtron.example', javaScript);
      await page.goto(`${carrierPage}?tab=decks`);
      await ready(page, javaScript);
      await page.locator('#decks').getByText('Ready to activate').waitFor();
      await page.locator('#decks').getByRole('link', { name: 'ivozprovider_pricesSample.csv' }).click();
      await page.waitForURL(/\/admin\/carriers\/\d+\/decks\/\d+/);
      await ready(page, javaScript);
      await page.getByRole('button', { name: 'Activate deck' }).click();
      await page.getByText('Deck activated.').waitFor();

      // The carrier sees it in force.
      await page.context().clearCookies();
      await signIn(page, base, 'rates@northwind.example', javaScript);
      await page.goto(`${base}${deckPath}`);
      await ready(page, javaScript);
      await page.getByText('In force').first().waitFor();
    }));
}
