// Starts a fresh DIDTron server (its own data directory, port and SQLite database) for one test,
// and opens Debian's chromium through playwright-core, with JavaScript on or off.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..');
const binary = process.env.DIDTRON_BIN ?? join(root, 'target', 'debug', 'didtron');
export const PASSWORD = 'demo-pass-2026';
/// A real carrier deck (4,743 rates, USD): ../shared/data/decks/ivozprovider_pricesSample.csv.
export const IVOZ_DECK = join(root, '..', 'shared', 'data', 'decks', 'ivozprovider_pricesSample.csv');

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

/// Starts the server on its embedded defaults, with `env` on top. A `dataDir` and `port` given
/// (those of a server that was stopped) start it again on the same database, files and address.
export async function startServer({ env = {}, dataDir, port } = {}) {
  port ??= await freePort();
  dataDir ??= mkdtempSync(join(tmpdir(), 'didtron-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ['--config', join(dataDir, 'none.toml')], {
    cwd: root,
    env: {
      ...process.env,
      DIDTRON__SERVER__ADDR: `127.0.0.1:${port}`,
      DIDTRON__SERVER__PUBLIC_URL: base,
      DIDTRON__SERVER__SITE_ROOT: join(root, 'target', 'site'),
      DIDTRON__DATA__DIR: dataDir,
      DIDTRON__LOG__FILTER: process.env.DIDTRON__LOG__FILTER ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not answer in 30 s: ${output}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    base,
    port,
    dataDir,
    stop: () => child.kill('SIGTERM'),
    // SIGKILL, as a crash or an OOM kill: nothing is finished or released on the way out.
    kill: () => { child.kill('SIGKILL'); return exited; },
    output: () => output,
  };
}

/// Starts the provider fakes (`fake-providers`, built by the test command) with Stripe's and
/// PayPal's events delivered to `<base>/webhooks/stripe` and `<base>/webhooks/paypal` of the
/// server that will listen on `port`; returns `{ stripe, paypal, stop }` with their API base
/// URLs.
export async function startFakes({ port }) {
  const stripeWebhook = `http://127.0.0.1:${port}/webhooks/stripe`;
  const paypalWebhook = `http://127.0.0.1:${port}/webhooks/paypal`;
  const bin = process.env.FAKES_BIN ?? join(root, 'target', 'debug', 'fake-providers');
  const child = spawn(bin, [
    '--stripe-webhook', stripeWebhook, '--stripe-key', STRIPE_KEY, '--stripe-webhook-secret', STRIPE_WEBHOOK_SECRET,
    '--paypal-webhook', paypalWebhook, '--paypal-client-id', PAYPAL_CLIENT, '--paypal-secret', PAYPAL_SECRET, '--paypal-webhook-id', PAYPAL_WEBHOOK_ID,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const [stripe, paypal] = await new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      output += d;
      const s = output.match(/stripe (http:\/\/\S+)/);
      const p = output.match(/paypal (http:\/\/\S+)/);
      if (s && p) ok([s[1], p[1]]);
    });
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', () => fail(new Error(`fake-providers exited: ${output}`)));
    setTimeout(() => fail(new Error(`fake-providers did not start in 10 s: ${output}`)), 10_000);
  });
  return { stripe, paypal, stop: () => child.kill('SIGTERM') };
}

/// The keys the Stripe fake expects, and the settings that point a server at it.
export const STRIPE_KEY = 'sk_test_didtron_e2e';
export const STRIPE_WEBHOOK_SECRET = 'whsec_didtron_e2e';
export function stripeEnv(apiBase) {
  return {
    DIDTRON__STRIPE__API_BASE: apiBase,
    DIDTRON__STRIPE__SECRET_KEY: STRIPE_KEY,
    DIDTRON__STRIPE__WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
  };
}

/// The credentials the PayPal fake expects, and the settings that point a server at it.
export const PAYPAL_CLIENT = 'didtron-e2e-client';
export const PAYPAL_SECRET = 'didtron-e2e-secret';
export const PAYPAL_WEBHOOK_ID = 'WH-E2E-1';
export function paypalEnv(apiBase) {
  return {
    DIDTRON__PAYPAL__API_BASE: apiBase,
    DIDTRON__PAYPAL__CLIENT_ID: PAYPAL_CLIENT,
    DIDTRON__PAYPAL__CLIENT_SECRET: PAYPAL_SECRET,
    DIDTRON__PAYPAL__WEBHOOK_ID: PAYPAL_WEBHOOK_ID,
  };
}

export async function openBrowser({ javaScript }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // A page whose hydration panicked still works as plain HTML, so tests would pass on it: record
  // the panic so that withSession fails.
  const panics = [];
  page.on('console', (m) => {
    if (/hydration error|panicked at/i.test(m.text())) panics.push(`${page.url()}: ${m.text().slice(0, 400)}`);
    if (process.env.E2E_CONSOLE && m.type() === 'error') console.error(`[browser] ${page.url()}: ${m.text().slice(0, 600)}`);
  });
  return { browser, context, page, panics };
}

/// Waits until the page is interactive: hydrated with JavaScript, loaded without.
export async function ready(page, javaScript) {
  await page.waitForLoadState('load');
  if (javaScript) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20_000 });
}

export async function signIn(page, base, email, javaScript) {
  await page.goto(`${base}/login`);
  await ready(page, javaScript);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  await ready(page, javaScript);
}

/// Runs `fn(base, page)` on a fresh server (with `env` on top of its settings, on `port` when
/// given) and browser (JavaScript on or off), signed in as `email` when given; keeps a
/// screenshot of a failure in test-results/.
export async function withSession({ javaScript, email, env, port }, fn) {
  const server = await startServer({ env, port });
  const { browser, page, panics } = await openBrowser({ javaScript });
  try {
    if (email) await signIn(page, server.base, email, javaScript);
    await fn(server.base, page);
    if (panics.length) throw new Error(`the page panicked in the browser:\n${panics.join('\n')}`);
  } catch (err) {
    await page.screenshot({ path: `test-results/failure-${Date.now()}.png` }).catch(() => {});
    console.error(`page at the failure: ${page.url()}`);
    // The server's last words (warnings and errors) say why a step never came.
    console.error(`server output (last 4000 characters):\n${server.output().slice(-(Number(process.env.E2E_SERVER_TAIL) || 4000))}`);
    throw err;
  } finally {
    // Stop the server even when the browser will not close, or this file never ends.
    try {
      await browser.close();
    } finally {
      server.stop();
    }
  }
}

/// As a switch operator: uploads the real ivozprovider deck for Northwind Voice (effective
/// 2026-01-01), imports it and activates it.
export async function activateRealDeck(page, base, javaScript) {
  await page.goto(`${base}/switch/carriers?q=northwind`);
  await ready(page, javaScript);
  await page.getByRole('link', { name: 'Northwind Voice' }).click();
  await page.waitForURL(/\/switch\/carriers\/\d+$/);
  await page.goto(`${page.url()}?tab=decks`);
  await ready(page, javaScript);
  await page.setInputFiles('#deck-upload input[name=deck]', { name: 'ivozprovider_pricesSample.csv', mimeType: 'text/csv', buffer: readFileSync(IVOZ_DECK) });
  await page.fill('#deck-upload input[name=effective_from]', '2026-01-01T00:00');
  await Promise.all([page.waitForURL(/\/decks\/\d+$/), page.getByRole('button', { name: 'Upload deck' }).click()]);
  await ready(page, javaScript);
  await page.getByRole('button', { name: 'Import deck' }).click();
  await page.getByRole('button', { name: 'Activate deck' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Activate deck' }).click();
  await page.getByText('Deck activated.').waitFor();
}

/// As a switch operator on a /switch/ page: generates the Standard card for all customers with
/// `markup` percent (effective `effective`, a datetime-local value, when given) and waits until
/// it can be published.
export async function generateCard(page, javaScript, markup, effective) {
  await page.goto(`${page.url().split('/switch/')[0]}/switch/sell-cards`);
  await ready(page, javaScript);
  await page.fill('#card-form input[name=markup_value]', markup);
  if (effective) await page.fill('#card-form input[name=effective_from]', effective);
  await Promise.all([page.waitForURL(/\/switch\/sell-cards\/\d+/), page.getByRole('button', { name: 'Generate card' }).click()]);
  await ready(page, javaScript);
  await page.getByRole('button', { name: 'Publish card' }).waitFor({ timeout: 60_000 });
}

/// generateCard, then publishes the card.
export async function publishCard(page, javaScript, markup, effective) {
  await generateCard(page, javaScript, markup, effective);
  await page.getByRole('button', { name: 'Publish card' }).click();
  await page.getByText(/Card published/).waitFor();
}
