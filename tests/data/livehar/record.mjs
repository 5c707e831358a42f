// Drive /usr/bin/chromium through one SAML login and record the HAR with a real HAR writer.
//   node record.mjs <tool> <start-url> <out>
// tool: pw-embed | pw-minimal | pw-zip (Playwright's recordHar) | chrome-har (puppeteer-core +
// sitespeed.io's chrome-har, built from DevTools protocol events). NODE_PATH names node_modules.
import { createRequire } from 'module';
import fs from 'fs';
const require = createRequire(process.env.NODE_PATH + '/');
const [tool, start, out] = process.argv.slice(2);
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-dev-shm-usage'];
// The login ends on SonarQube's home page or its /sessions/unauthorized page.
const done = (u) => { const p = new URL(u).pathname; return p === '/' || p === '/sessions/unauthorized'; };

async function playwright() {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const recordHar = tool === 'pw-minimal' ? { path: out, mode: 'minimal' }
    : tool === 'pw-zip' ? { path: out, content: 'attach' } : { path: out, content: 'embed' };
  const context = await browser.newContext({ recordHar });
  const page = await context.newPage();
  await page.goto(start);
  await page.waitForURL((u) => done(u.href));
  await page.waitForLoadState('load');
  await context.close();   // writes the HAR
  await browser.close();
}

async function chromeHar() {
  const puppeteer = require('puppeteer-core');
  const { harFromMessages } = require('chrome-har');
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const page = await browser.newPage();
  const client = await page.createCDPSession();
  const events = [], responses = new Map(), bodies = [];
  const keep = ['Page.loadEventFired', 'Page.domContentEventFired', 'Page.frameStartedLoading',
    'Page.frameAttached', 'Page.frameScheduledNavigation', 'Page.frameRequestedNavigation',
    'Network.requestWillBeSent', 'Network.requestWillBeSentExtraInfo', 'Network.responseReceived',
    'Network.responseReceivedExtraInfo', 'Network.dataReceived', 'Network.loadingFinished',
    'Network.loadingFailed', 'Network.requestServedFromCache', 'Network.resourceChangedPriority'];
  for (const method of keep) {
    client.on(method, (params) => {
      events.push({ method, params });
      if (method === 'Network.responseReceived') responses.set(params.requestId, params);
      if (method === 'Network.loadingFinished' && responses.has(params.requestId)) {
        bodies.push(client.send('Network.getResponseBody', { requestId: params.requestId })
          .then((b) => { responses.get(params.requestId).response.body = b.body; }, () => {}));
      }
    });
  }
  await client.send('Page.enable');
  await client.send('Network.enable');
  await page.goto(start);
  await page.waitForFunction(() => location.pathname === '/' || location.pathname === '/sessions/unauthorized');
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all(bodies);
  const har = harFromMessages(events, { includeTextFromResponseBody: true });
  fs.writeFileSync(out, JSON.stringify(har, null, 2));
  await browser.close();
}

await (tool === 'chrome-har' ? chromeHar() : playwright());
