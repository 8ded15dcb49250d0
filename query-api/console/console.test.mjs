// Browser test of the analyst console, run by ConsoleIT (query-api) against a running query API with
// real data: Debian's chromium driven by playwright-core. Checks that the page loads real data from the
// API (score cards, chart, failing controls with catalog titles), that a search returns highlighted
// hits with facets, that a live score update arrives, and writes a screenshot.
//   CONSOLE_URL=http://127.0.0.1:8081 CONSOLE_KEY=cpk_... CONSOLE_ORG=acme [CONSOLE_QUERY=firewall] [CONSOLE_LIVE_SCORE=99.5] \
//   CONSOLE_SCREENSHOT=target/console.png node console.test.mjs
import { chromium } from 'playwright-core';

const url = process.env.CONSOLE_URL;
const key = process.env.CONSOLE_KEY;
const org = process.env.CONSOLE_ORG;
const liveScore = process.env.CONSOLE_LIVE_SCORE;
const screenshot = process.env.CONSOLE_SCREENSHOT || 'console.png';
const query = process.env.CONSOLE_QUERY || 'firewall';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!url || !key || !org) throw new Error('CONSOLE_URL, CONSOLE_KEY and CONSOLE_ORG are required');

const check = (ok, what) => {
  if (!ok) throw new Error('console check failed: ' + what);
  console.log('ok - ' + what);
};

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + '/console/');
  await page.fill('#key', key);
  await page.fill('#org', org);
  await page.click('#connect button[type=submit]');

  await page.waitForSelector(`.card[data-org="${org}"] .score`, { timeout: 15000 });
  const cards = await page.$$eval('#cards .card .score', (els) => els.map((e) => e.textContent));
  check(cards.length > 0 && cards.every((s) => /^\d+(\.\d)?$/.test(s)), `score cards with numbers (${cards.length})`);
  check((await page.textContent('#board-source')).includes('redis'), 'the leaderboard says it came from redis');

  await page.waitForSelector('#chart canvas', { timeout: 15000 });
  check((await page.textContent('#series-source')).includes('postgresql'), 'the score chart says it came from postgresql');

  await page.waitForSelector('#controls tbody tr', { timeout: 15000 });
  const titles = await page.$$eval('#controls tbody tr td:nth-child(2)', (els) => els.map((e) => e.textContent));
  check(titles.length > 0 && titles.every((t) => t.length > 0), `failing controls with catalog titles (${titles.length})`);

  await page.fill('#q', query);
  await page.click('#search button[type=submit]');
  await page.waitForSelector('#hits li mark', { timeout: 15000 });
  const marks = await page.$$eval('#hits li mark', (els) => els.map((e) => e.textContent.toLowerCase()));
  check(marks.some((m) => m.includes(query.toLowerCase())), `search hits highlight the query (${marks.length} marks)`);
  check((await page.$$('#facets a')).length > 0, 'facets with counts are shown');
  check((await page.textContent('#search-source')).includes('elasticsearch'), 'search says it came from elasticsearch');

  if (liveScore) {
    await page.waitForSelector('#live.on', { timeout: 15000 });
    await page.waitForFunction(([o, s]) => document.querySelector(`.card[data-org="${o}"] .score`)?.textContent === s,
      [org, Number(liveScore).toFixed(1)], { timeout: 20000 });
    check(true, `a live score update (${liveScore}) reached the card of ${org}`);
  }
  check(errors.length === 0, 'no script errors on the page' + (errors.length ? ': ' + errors.join('; ') : ''));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('screenshot: ' + screenshot);
} finally {
  await browser.close();
}
