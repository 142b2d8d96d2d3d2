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
    const doneBefore = Number(await systemRow.locator('td').nth(4).textContent());

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
        return row && Number(row.querySelectorAll('td')[4].textContent) > before;
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

test('hydrated: a paused queue holds its jobs until resumed, and a running job is cancelled', () =>
  withSession({ javaScript: true, email: 'superadmin@didtron.example' }, async (base, page) => {
    await page.goto(`${base}/admin/jobs`);
    await ready(page, true);
    const systemRow = page.locator('#queues tr').filter({ hasText: 'System' });
    await systemRow.getByRole('button', { name: 'Pause' }).click();
    await systemRow.getByText('Paused').waitFor();
    // Every process applies a pause within a second.
    await page.waitForTimeout(1500);

    await page.selectOption('select[name=kind]', 'system.noop');
    await page.fill('textarea[name=payload]', '{"seconds": 700}');
    await page.getByRole('button', { name: 'Queue job' }).click();
    await page.getByText('payload.seconds').waitFor();
    await page.fill('textarea[name=payload]', '{"seconds": 60}');
    await page.getByRole('button', { name: 'Queue job' }).click();
    await page.getByText(/Job [0-9a-f-]{36} queued\./).waitFor();
    // Paused: the job waits, listed as waiting, and does not start.
    const waiting = page.locator('#waiting tr').filter({ hasText: 'system.noop' });
    await waiting.waitFor();
    await page.waitForTimeout(2000);
    assert.equal(await waiting.count(), 1);
    assert.equal(await page.locator('text=No job is running.').count(), 1);

    await systemRow.getByRole('button', { name: 'Resume' }).click();
    await systemRow.getByText('Running', { exact: true }).waitFor();
    const running = page.locator('#running tr').filter({ hasText: 'system.noop' });
    await running.waitFor({ timeout: 20_000 });
    await running.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText(/is stopping/).waitFor();
    await page
      .locator('tr')
      .filter({ hasText: 'cancelled by superadmin@didtron.example' })
      .first()
      .waitFor({ timeout: 20_000 });
    assert.equal(await waiting.count(), 0);
    // The last hour's chart is drawn on the server as SVG.
    assert.equal(await page.locator('.jobs-chart svg').count(), 1);
  }));

test('JavaScript off: the dashboard renders and staff of a tenant cannot open it', () =>
  withSession({ javaScript: false, email: 'staff@didtron.example' }, async (base, page) => {
    const res = await page.goto(`${base}/admin/jobs`);
    assert.equal(res.status(), 403);
  }));

test('JavaScript off: the chart is drawn and a queue is paused and resumed with plain forms', () =>
  withSession({ javaScript: false, email: 'superadmin@didtron.example' }, async (base, page) => {
    await page.goto(`${base}/admin/jobs`);
    assert.equal(await page.locator('.jobs-chart svg').count(), 1);
    const row = () => page.locator('#queues tr').filter({ hasText: 'Rate cards' });
    await Promise.all([page.waitForNavigation(), row().getByRole('button', { name: 'Pause' }).click()]);
    await page.goto(`${base}/admin/jobs`);
    await row().getByText('Paused').waitFor();
    await Promise.all([page.waitForNavigation(), row().getByRole('button', { name: 'Resume' }).click()]);
    await page.goto(`${base}/admin/jobs`);
    assert.equal(await row().getByText('Paused').count(), 0);
  }));
