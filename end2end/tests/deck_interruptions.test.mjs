// Issue 6's interruptions, against the real server: an upload cut off half-way stores nothing
// and the deck in force stays; a server killed in the middle of an import comes back, the job is
// taken up again and the deck ends with every rate exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { startServer, openBrowser, ready, signIn } from './helpers.mjs';

const decks = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'decks');

/// Every file under `dir`, recursively (none when it does not exist).
function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

async function northwindDecks(page, base) {
  await page.goto(`${base}/admin/carriers?q=northwind`);
  await ready(page, false);
  await page.getByRole('link', { name: 'Northwind Voice' }).click();
  await page.waitForURL(/\/admin\/carriers\/\d+$/);
  const carrier = page.url();
  await page.goto(`${carrier}?tab=decks`);
  await ready(page, false);
  return carrier;
}

async function uploadAndImport(page, payload) {
  await page.setInputFiles('#deck-upload input[name=deck]', payload);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload deck' }).click()]);
  await ready(page, false);
  const deck = page.url();
  await page.getByRole('button', { name: 'Import deck' }).click();
  await page.waitForLoadState('load');
  return deck;
}

/// Posts the first `sent` bytes of `file` in a multipart upload that announces all of it, then
/// drops the connection, as a browser does when the network goes away mid-upload. With `sent`
/// undefined the whole upload goes, and the answer's status line comes back.
function rawUpload(base, path, cookie, file, sent) {
  return new Promise((ok, fail) => {
    const url = new URL(base);
    const boundary = '----didtron-cut';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="deck"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const total = head.length + file.length + tail.length;
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${base}\r\nCookie: ${cookie}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${total}\r\n\r\n`);
      if (sent === undefined) {
        socket.write(Buffer.concat([head, file, tail]));
        let answer = '';
        socket.on('data', (d) => {
          answer += d;
          if (answer.includes('\r\n')) { socket.destroy(); ok(answer.split('\r\n')[0] + ' ' + (answer.match(/location: (.*)/i)?.[1] ?? '')); }
        });
        return;
      }
      socket.write(Buffer.concat([head, file.subarray(0, sent)]), () => {
        setTimeout(() => { socket.destroy(); ok(); }, 300);
      });
    });
    socket.on('error', fail);
  });
}

test('JavaScript off: an upload cut off half-way stores nothing and the deck in force stays', async () => {
  const server = await startServer();
  const { browser, page } = await openBrowser({ javaScript: false });
  try {
    await signIn(page, server.base, 'staff@didtron.example', false);
    const carrier = await northwindDecks(page, server.base);
    const deck = await uploadAndImport(page, {
      name: 'ivozprovider_pricesSample.csv', mimeType: 'text/csv', buffer: readFileSync(join(decks, 'ivozprovider_pricesSample.csv')),
    });
    await page.goto(deck);
    for (let i = 0; i < 120 && (await page.getByRole('button', { name: 'Activate deck' }).count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.goto(deck);
    }
    await page.getByRole('button', { name: 'Activate deck' }).click();
    await page.getByText('Deck activated.').waitFor();
    const stored = files(join(server.dataDir, 'objects')).length;

    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const big = readFileSync(join(decks, 'ivozprovider_pricesSample.csv'));
    const path = new URL(`${carrier}/decks`).pathname;
    await rawUpload(server.base, path, cookie, big, Math.floor(big.length / 2));

    await page.goto(`${carrier}?tab=decks`);
    await ready(page, false);
    assert.equal(await page.locator('#decks tbody tr').count(), 1, 'the cut upload left a deck behind');
    await page.locator('#decks').getByText('In force').waitFor();
    assert.equal(files(join(server.dataDir, 'objects')).length, stored, 'the cut upload left a file behind');
    // The same request sent whole is taken (so the cut one was refused for being cut, not for
    // its cookie or origin), and goes to the new deck's page.
    const answer = await rawUpload(server.base, path, cookie, big);
    assert.match(answer, /^HTTP\/1\.1 303 .*\/decks\/\d+/, answer);
    await page.goto(`${carrier}?tab=decks`);
    assert.equal(await page.locator('#decks tbody tr').count(), 2);
  } catch (err) {
    console.error(`server output:\n${server.output().slice(-4000)}`);
    throw err;
  } finally {
    await browser.close();
    server.stop();
  }
});

test('JavaScript off: a server killed mid-import comes back and the deck ends with every rate once', async () => {
  // Worker heartbeats every second: a dead worker's job goes back to the queue in about 2 s.
  const env = { DIDTRON__JOBS__HEARTBEAT_SECONDS: '1' };
  let server = await startServer({ env });
  const { browser, page } = await openBrowser({ javaScript: false });
  try {
    await signIn(page, server.base, 'staff@didtron.example', false);
    await northwindDecks(page, server.base);
    // A deck big enough that its import takes a while: 100,000 prefixes under +99.
    const lines = ['prefix,destination,rate'];
    for (let i = 0; i < 100_000; i++) lines.push(`99${100000 + i},Test ${i % 50},0.${String(1000 + (i % 9000)).padStart(4, '0')}`);
    const deck = await uploadAndImport(page, { name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });

    // Wait until the import has written part of the deck, then kill the server outright.
    let percent = 0;
    for (let i = 0; i < 240 && percent < 5; i++) {
      await page.waitForTimeout(250);
      await page.goto(deck);
      const bar = page.locator('#import-progress progress');
      if (await bar.count()) percent = (100 * Number(await bar.getAttribute('value'))) / Number(await bar.getAttribute('max'));
      else if (await page.getByRole('button', { name: 'Activate deck' }).count()) break;
    }
    assert.ok(percent >= 5 && percent < 100, `the import was caught at ${percent}%`);
    console.log(`# killed the server with the import at ${percent.toFixed(0)}%`);
    await server.kill();
    const killed = Date.now();

    // The same data directory and port: the session and the queued job are still there.
    server = await startServer({ env, dataDir: server.dataDir, port: server.port });
    await page.goto(deck);
    for (let i = 0; i < 240 && (await page.getByRole('button', { name: 'Activate deck' }).count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.goto(deck);
    }
    await page.getByText('100000 rates, 100000 prefixes imported; 0 rows refused.').waitFor();
    console.log(`# imported ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`);
  } catch (err) {
    await page.screenshot({ path: `test-results/failure-${Date.now()}.png` }).catch(() => {});
    console.error(`server output:\n${server.output().slice(-4000)}`);
    throw err;
  } finally {
    await browser.close();
    server.stop();
  }
});
