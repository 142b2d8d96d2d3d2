// The jobs dashboard: queue a job with a JSON payload, see a bad payload refused with its field,
// and watch the counts and failures change live (server-sent events), with the worker running
// in the same process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSession, ready } from './helpers.mjs';

test('hydrated: jobs are queued from the dashboard and their outcome appears without a reload', () =>
  withSession({ javaScript: true, email: 'superadmin@didtron.example' }, async (base, page) => {
    await page.goto(`${base}/admin/jobs`);
    await ready(page, true);
    const systemRow = page.locator('#queues tr').filter({ hasText: 'System' });
    const doneBefore = Number(await systemRow.locator('td').nth(3).textContent());

    await page.selectOption('select[name=kind]', 'system.cleanup');
    await page.fill('textarea[name=payload]', '{"older_than_days": "soon"}');
    await page.getByRole('button', { name: 'Queue job' }).click();
    await page.getByText('payload.older_than_days').waitFor();

    await page.selectOption('select[name=kind]', 'system.health_probe');
    await page.fill('textarea[name=payload]', '{}');
    await page.getByRole('button', { name: 'Queue job' }).click();
    await page.getByText(/Job [0-9a-f-]{36} queued\./).waitFor();
    // The worker runs it; the live stream updates the count without a reload.
    await page.waitForFunction(
      (before) => {
        const row = [...document.querySelectorAll('#queues tr')].find((r) => r.textContent.includes('System'));
        return row && Number(row.querySelectorAll('td')[3].textContent) > before;
      },
      doneBefore,
      { timeout: 20_000 },
    );

    // Without an Open Exchange Rates app id the FX refresh fails at once, saying why.
    await page.selectOption('select[name=kind]', 'system.refresh_fx_rates');
    await page.fill('textarea[name=payload]', '{"base": "USD"}');
    await page.getByRole('button', { name: 'Queue job' }).click();
    await page.getByText(/exchange rates are not configured/).waitFor({ timeout: 20_000 });
  }));

test('JavaScript off: the dashboard renders and staff of a tenant cannot open it', () =>
  withSession({ javaScript: false, email: 'staff@didtron.example' }, async (base, page) => {
    const res = await page.goto(`${base}/admin/jobs`);
    assert.equal(res.status(), 403);
  }));
