// The shell's keyboard and form helpers: Ctrl+K page search (with its no-JavaScript fallback),
// and the action dock's dirty state with Ctrl+S.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready } from './helpers.mjs';

const ADMIN = 'superadmin@didtron.example';

test('hydrated: Ctrl+K searches pages and Enter opens the first match', () =>
  withSession({ javaScript: true, email: ADMIN }, async (base, page) => {
    await page.keyboard.press('Control+k');
    const search = page.getByRole('searchbox', { name: 'Search pages' });
    assert.ok(await search.evaluate((el) => el === document.activeElement));
    await search.fill('password');
    const results = page.getByRole('listbox', { name: 'Matching pages' });
    await results.getByRole('link', { name: /Users/ }).waitFor();
    await results.getByRole('link', { name: /My profile/ }).waitFor();
    await search.press('Enter');
    await page.waitForURL(`${base}/admin/users`);
  }));

test('JavaScript off: the page search form lists matching pages', () =>
  withSession({ javaScript: false, email: ADMIN }, async (base, page) => {
    await page.getByRole('searchbox', { name: 'Search pages' }).fill('password');
    await Promise.all([page.waitForURL(/\/admin\/search\?q=password/), page.keyboard.press('Enter')]);
    await page.getByRole('link', { name: 'My profile' }).first().waitFor();
    assert.ok(await page.locator('main').getByRole('link', { name: 'Users' }).count() >= 1);
  }));

test('hydrated: the dock marks unsaved changes and Ctrl+S submits the form', () =>
  withSession({ javaScript: true, email: ADMIN }, async (base, page) => {
    await page.goto(`${base}/admin/profile?tab=password`);
    await ready(page, true);
    const dock = page.getByRole('toolbar', { name: 'Form actions' });
    assert.equal(await dock.getByText('Unsaved changes').count(), 0);
    await page.fill('input[name=current_password]', 'not-my-password');
    await page.fill('input[name=new_password]', 'a-new-password-1');
    await page.fill('input[name=confirm_password]', 'a-new-password-1');
    await dock.getByText('Unsaved changes').waitFor();
    await page.keyboard.press('Control+s');
    await page.getByText('Current password is not your current password').waitFor();
  }));

for (const javaScript of [false, true]) {
  test(`${javaScript ? 'hydrated' : 'JavaScript off'}: the submenu collapses, stays collapsed after a reload, and expands`, () =>
    withSession({ javaScript, email: ADMIN }, async (base, page) => {
      const submenu = page.getByRole('complementary', { name: 'Pages of this section' });
      const toggle = page.getByRole('button', { name: 'Collapse or expand the menu' });
      assert.ok(await submenu.isVisible());
      await toggle.click();
      await submenu.waitFor({ state: 'hidden' });
      await page.reload();
      await ready(page, javaScript);
      assert.equal(await submenu.isVisible(), false);
      await toggle.click();
      await submenu.waitFor({ state: 'visible' });
    }));
}
