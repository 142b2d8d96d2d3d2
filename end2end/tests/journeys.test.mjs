// The foundation's journeys, each once with JavaScript off (pure SSR) and once hydrated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, signIn, ready } from './helpers.mjs';

for (const javaScript of [false, true]) {
  const mode = javaScript ? 'hydrated' : 'JavaScript off';

  test(`${mode}: sign in lands in the portal, a wrong password says so`, () =>
    withSession({ javaScript }, async (base, page) => {
      await page.goto(`${base}/login`);
      await ready(page, javaScript);
      await page.fill('input[name=email]', 'superadmin@didtron.example');
      await page.fill('input[name=password]', 'not-the-password');
      await page.click('button[type=submit]');
      await page.getByText('wrong e-mail or password').waitFor();
      assert.match(page.url(), /\/login/);

      await signIn(page, base, 'superadmin@didtron.example', javaScript);
      assert.equal(new URL(page.url()).pathname, '/admin');
      await page.getByRole('heading', { name: 'Welcome, Sam Super' }).waitFor();
      assert.ok(await page.getByRole('link', { name: 'Users & access' }).isVisible());
    }));

  test(`${mode}: two workspace tabs open and come back after a reload`, () =>
    withSession({ javaScript }, async (base, page) => {
      await signIn(page, base, 'superadmin@didtron.example', javaScript);
      await page.getByRole('link', { name: 'Users & access' }).click();
      await page.waitForURL(`${base}/admin/users`);
      await ready(page, javaScript);
      await page.getByRole('cell', { name: 'carrier@didtron.example' }).waitFor();
      await page.getByRole('link', { name: 'My account' }).click();
      await page.waitForURL(`${base}/admin/profile`);
      await ready(page, javaScript);
      const tabs = page.getByRole('navigation', { name: 'Open pages' });
      await tabs.getByRole('link', { name: 'Users' }).waitFor();
      await tabs.getByRole('link', { name: 'My profile' }).waitFor();

      await page.reload();
      await ready(page, javaScript);
      const titles = await tabs.getByRole('link').allTextContents();
      assert.deepEqual(titles, ['Dashboard', 'Users', 'My profile']);

      await tabs.getByRole('button', { name: 'Close Users' }).click();
      await tabs.getByRole('link', { name: 'Users' }).waitFor({ state: 'detached' });
      await page.reload();
      assert.deepEqual(await tabs.getByRole('link').allTextContents(), ['Dashboard', 'My profile']);
    }));

  test(`${mode}: the theme switch applies and is remembered`, () =>
    withSession({ javaScript }, async (base, page) => {
      await signIn(page, base, 'customer@didtron.example', javaScript);
      assert.equal(await page.getAttribute('html', 'data-theme'), 'system');
      await page.getByRole('button', { name: 'Dark theme' }).click();
      await page.waitForSelector('html[data-theme=dark]', { state: 'attached' });
      await page.reload();
      await ready(page, javaScript);
      assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor).catch(() => null);
      if (bg) assert.equal(bg, 'rgb(11, 17, 32)');
    }));

  test(`${mode}: a customer is refused a Super Admin page`, () =>
    withSession({ javaScript }, async (base, page) => {
      await signIn(page, base, 'customer@didtron.example', javaScript);
      assert.equal(new URL(page.url()).pathname, '/customer');
      const response = await page.goto(`${base}/admin/users`);
      assert.equal(response.status(), 403);
      await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor();
      assert.equal(await page.getByText('superadmin@didtron.example').count(), 0);
    }));
}
