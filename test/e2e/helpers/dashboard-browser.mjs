#!/usr/bin/env node
// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core (no
// browser download; the system browser is used). Each scenario is one step of a user's visit;
// test/e2e/dashboard.bats calls them in order and a scenario fails (exit 1, one line on stderr)
// as soon as what the page shows differs from what it should.
//
//   node dashboard-browser.mjs SCENARIO ARGS…
//   node dashboard-browser.mjs serve ENDPOINT_FILE     (the test file's browser and scenario runner)
//
// Environment: DASHBOARD_URL (the served dashboard), DASHBOARD_STATE (a file holding the browser's
// cookies between scenarios), DASHBOARD_ARTIFACTS (where screenshots go), CHROMIUM (the browser,
// default /usr/bin/chromium). Every page visited is checked with axe-core: a serious or critical
// violation fails the scenario. A JavaScript dialog (an XSS payload that ran) fails it too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// What a scenario is run against, from its caller's environment: set once by a command line, and
// for each request by `serve`.
let base, stateFile, artifacts;
function useEnvironment(env) {
  const need = (name) => env[name] || fail(`${name} is not set`);
  base = need('DASHBOARD_URL');
  stateFile = need('DASHBOARD_STATE');
  artifacts = need('DASHBOARD_ARTIFACTS');
}

class ScenarioFailure extends Error {}
function fail(message) {
  throw new ScenarioFailure(message);
}

const launchOptions = { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] };

// Under `serve`, the test file's one browser, which runs every scenario: starting chromium for each
// scenario cost more CPU than the scenario, and so did starting Node and loading playwright-core.
// Each scenario still has a context of its own, so no cookie or cache crosses from one to the next
// but through the state file. A browser that is gone fails the scenario.
let sharedBrowser;
async function withBrowser(run, { signedIn = true } = {}) {
  const browser = sharedBrowser ?? (await chromium.launch(launchOptions));
  let context;
  try {
    // bypassCSP: the dashboard's Content-Security-Policy rightly refuses injected scripts, and axe-core is one.
    context = await browser.newContext({ bypassCSP: true, ...(signedIn && fs.existsSync(stateFile) ? { storageState: stateFile } : {}) });
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await run(page, context);
    assert.deepEqual(dialogs, [], 'a script opened a dialog: an XSS payload ran');
    assert.deepEqual(errors, [], 'a page script threw');
  } finally {
    if (browser === sharedBrowser) await context?.close();
    else await browser.close();
  }
}

// axe-core in the page: no serious or critical violation, then a full-page screenshot.
async function check(page, name) {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () =>
    (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  );
  assert.deepEqual(violations, [], `accessibility violations on ${name}`);
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function visit(page, route, expectedStatus = 200) {
  const response = await page.goto(new URL(route, base).href);
  assert.equal(response?.status(), expectedStatus, `GET ${route}`);
  return response;
}

const text = (page) => page.locator('body').innerText();

const scenarios = {
  // sign-in LINK NAME: the link shows who it signs in, and signs in only after the button.
  async 'sign-in'(link, name) {
    await withBrowser(async (page, context) => {
      const response = await page.goto(link);
      assert.equal(response?.status(), 200, 'GET of the sign-in link');
      const button = page.getByRole('button', { name: `Sign in as ${name}` });
      await button.waitFor();
      assert.deepEqual(await context.cookies(), [], 'opening the link alone set a cookie');
      await check(page, 'sign-in');
      const [landing] = await Promise.all([page.waitForNavigation(), button.click()]);
      assert.equal(landing?.status(), 200, 'the page after signing in');
      assert.match(await text(page), new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the signed-in name is shown');
      const cookies = await context.cookies();
      assert.ok(cookies.length > 0, 'no session cookie');
      for (const cookie of cookies) {
        assert.equal(cookie.httpOnly, true, `${cookie.name} is not HttpOnly`);
        assert.equal(cookie.sameSite, 'Strict', `${cookie.name} is not SameSite=Strict`);
      }
      await context.storageState({ path: stateFile });
    }, { signedIn: false });
  },

  // refused LINK: a used, expired or unknown link signs nobody in.
  async refused(link) {
    await withBrowser(async (page, context) => {
      const response = await page.goto(link);
      const button = page.getByRole('button', { name: /^Sign in as / });
      if (response?.status() === 200 && (await button.count()) > 0) {
        const [after] = await Promise.all([page.waitForNavigation(), button.first().click()]);
        assert.equal(after?.status(), 401, 'POST of a used or expired link');
      } else {
        assert.equal(response?.status(), 401, 'GET of a used or expired link');
      }
      assert.match(await text(page), /ownstack:dashboard:login/, 'the refusal says how to get a new link');
      assert.deepEqual(await context.cookies(), [], 'a refused link set a cookie');
    }, { signedIn: false });
  },

  // pages APP RELEASE LOG_TEXT: every page of the slice, as the signed-in user sees them.
  async pages(app, release, logText) {
    await withBrowser(async (page) => {
      await visit(page, '/pipelines');
      assert.match(await text(page), new RegExp(app), 'the pipelines page shows the app');
      await check(page, 'pipelines');

      await visit(page, '/deployments');
      const row = page.locator('tr', { hasText: app }).filter({ hasText: `v${release}` });
      assert.equal(await row.count(), 1, `the deployments page has one row for ${app} v${release}`);
      await check(page, 'deployments');

      await visit(page, `/deployments?app=${encodeURIComponent(app)}&status=succeeded`);
      assert.ok((await page.locator('tbody tr').count()) >= 1, 'filtered by app and status');
      await visit(page, '/deployments?status=failed');
      assert.equal(await page.locator('tbody tr', { hasText: app }).count(), 0, 'no failed release of the app is listed');

      await visit(page, `/apps/${app}`);
      assert.match(await text(page), new RegExp(`v${release}`), 'the history shows the release');
      await check(page, 'app');

      await page.locator(`a[href="/apps/${app}/releases/${release}/log"]`).first().click();
      await page.waitForURL(`**/apps/${app}/releases/${release}/log`);
      assert.match(await text(page), new RegExp(logText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the log is shown');
      await check(page, 'deploy-log');
    });
  },

  // inert APP RELEASE PAYLOAD: the payload (the release's WHO and a line of its log) is shown as
  // text on the app's page, the deployments page and the log, and never runs.
  async inert(app, release, payload) {
    await withBrowser(async (page) => {
      for (const route of [`/apps/${app}`, `/apps/${app}/releases/${release}/log`, `/deployments?app=${app}`]) {
        await visit(page, route);
        assert.ok((await text(page)).includes(payload), `${route} shows the payload as text`);
        assert.equal(await page.locator('[data-xss]').count(), 0, `${route} made an element of the payload`);
      }
    });
  },

  // live APP RELEASE GO_FILE LINE OUTCOME [SHOWN]: the log page of a running release says so, and
  // shows SHOWN (a line it printed before it was held) already; once GO_FILE lets the deploy go
  // on, LINE arrives in the open page (no reload), then the outcome, and the header's status
  // changes from running to the outcome's.
  async live(app, release, goFile, line, outcome, shown) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${app}/releases/${release}/log`);
      const status = page.locator('#log-status');
      await status.waitFor();
      assert.match(await status.innerText(), /running/, 'the page says the release runs');
      assert.match(await page.locator('#release-status').innerText(), /^running/, "the header's status says running");
      if (shown) assert.ok((await page.locator('#log').innerText()).includes(shown), `the running release's log shows "${shown}" already`);
      assert.ok(!(await text(page)).includes(line), `the page shows "${line}" before the deploy got there`);
      let navigated = false;
      page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigated = true; });
      fs.writeFileSync(goFile, '');
      await page.locator('#log', { hasText: line }).waitFor({ timeout: 120_000 });
      await page.locator('#log-status', { hasText: outcome }).waitFor({ timeout: 120_000 });
      const ended = /^v[0-9]+ ([a-z]+)/.exec(outcome)?.[1];
      assert.equal(await page.locator('#release-status').innerText(), ended, "the header's status is the outcome's");
      assert.equal(await page.locator('#release-status').getAttribute('class'), `status-${ended}`);
      assert.equal(navigated, false, 'the page reloaded instead of streaming');
      await check(page, shown ? 'promote-log-live' : 'deploy-log-live');
    });
  },

  // csrf: a form post without the session's token is refused and changes nothing; with it, it works.
  async csrf() {
    await withBrowser(async (page) => {
      await visit(page, '/deployments');
      const bare = await page.evaluate(async () => (await fetch('/logout', { method: 'POST' })).status);
      assert.equal(bare, 403, 'POST /logout without a CSRF token');
      const forged = await page.evaluate(async () => {
        const body = new URLSearchParams({ csrf: 'forged', _csrf: 'forged' });
        return (await fetch('/logout', { method: 'POST', body })).status;
      });
      assert.equal(forged, 403, 'POST /logout with a wrong CSRF token');
      await visit(page, '/deployments');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign out' }).click()]);
      await visit(page, '/deployments', 401);
    });
  },

  // promote SOURCE TARGET ID: the Promote button on SOURCE's card leads to a confirmation that says
  // what goes where; confirming lands on the log of TARGET's new release ID, which streams until
  // the promotion succeeds; TARGET's card then shows it as current, by the signed-in user.
  async promote(source, target, id, who) {
    await withBrowser(async (page) => {
      await visit(page, '/pipelines');
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: `Promote ${source}…` }).click()]);
      assert.equal(new URL(page.url()).pathname, `/apps/${source}/promote`);
      const body = await text(page);
      assert.match(body, new RegExp(`Pipeline \\S+: ${source} v\\d+ · push · [0-9a-f]{7}`), 'the source release and its SHA');
      assert.match(body, /Image: \S+/, 'the image');
      assert.match(await page.locator('#promote-targets').innerText(), new RegExp(`${target} \\(Production\\), now v\\d+`), 'the target and what it runs');
      assert.match(body, /No promotion guard is set/, 'the guards');
      assert.match(body, /Commits/, 'the commit list');
      await check(page, 'promote-confirm');
      const [landing] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: new RegExp(`^Promote v\\d+ to ${target}$`) }).click()]);
      assert.equal(landing?.status(), 200, 'the page after confirming');
      assert.equal(new URL(page.url()).pathname, `/apps/${target}/releases/${id}/log`, 'the new release\'s log');
      // running: the outcome arrives in the open page (Server-Sent Events); ended already: it is shown
      if (await page.locator('#log-status').count()) await page.locator('#log-status', { hasText: `v${id} succeeded.` }).waitFor({ timeout: 180_000 });
      else assert.match(await text(page), /succeeded/, 'the outcome');
      // the promotion's output, kept as it ends, reached the page before its outcome
      assert.notEqual((await page.locator('#log').innerText()).trim(), '', 'the promotion\'s log is shown');
      await check(page, 'promote-log');
      await visit(page, '/pipelines');
      const card = page.locator('li.card', { hasText: target }).filter({ hasNotText: source });
      assert.match(await card.innerText(), new RegExp(`Current: v${id} · promote · [0-9a-f]{7} · ${who.replace(/[()]/g, '\\$&')}`), 'the target card shows the promotion');
    });
  },

  // rollback APP ID UNDO NEW: the Roll back button of vID confirms with the undo (to vUNDO), and
  // lands on the log of the rollback release vNEW.
  async rollback(app, id, undo, next) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${app}`);
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: `Roll back ${app} to v${id}` }).click()]);
      assert.match(await text(page), new RegExp(`dokku ownstack:rollback ${app} ${undo}`), 'the undo');
      await check(page, 'rollback-confirm');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: `Roll back ${app} to v${id}` }).click()]);
      assert.equal(new URL(page.url()).pathname, `/apps/${app}/releases/${next}/log`, 'the rollback release\'s log');
      if (await page.locator('#log-status').count()) await page.locator('#log-status', { hasText: `v${next} succeeded.` }).waitFor({ timeout: 180_000 });
      else assert.match(await text(page), /succeeded/, 'the outcome');
    });
  },

  // other-stacks APP REACHABLE DARK VERSION CURRENT: production has APP here, APP@REACHABLE (a stack that
  // answers, running ownstack VERSION) and APP@DARK (a host that accepts connections and never
  // speaks). Neither page waits for DARK: the first load says it is asking, reloads itself, and
  // then shows DARK unreachable with ssh's reason, and REACHABLE's card (its CURRENT release,
  // e.g. "v4 · promote") and row as it answered.
  async 'other-stacks'(app, reachable, dark, version, current) {
    const card = (page, stack) => page.locator('li.card', { hasText: `${app}@${stack}` });
    await withBrowser(async (page) => {
      await visit(page, '/pipelines');
      assert.match(await card(page, dark).innerText(), /asking…/, `${app}@${dark} waits for a first answer without holding the page`);
      assert.equal(await page.locator('#asking').count(), 1, 'the page says it is asking, and reloads itself');
      await card(page, dark).getByText(/unreachable: stack .* is unreachable \(no answer within 10s\)/).waitFor({ timeout: 90_000 });
      const shown = await card(page, reachable).innerText();
      assert.ok(shown.includes(`Current: ${current} · `) && /· succeeded/.test(shown), `${app}@${reachable} shows its current release ${current}: ${shown}`);
      assert.equal(await page.locator('#asking').count(), 0, 'nothing is asked any more');
      await check(page, 'pipelines-other-stacks');

      const row = (stack) => page.locator('tbody tr', { has: page.locator('td', { hasText: new RegExp(`^${stack}$`) }) });
      await visit(page, '/stacks');
      assert.match(await row(dark).innerText(), /asking/, `${dark} waits for a first answer without holding the page`);
      await row(dark).getByText('timed out', { exact: true }).waitFor({ timeout: 90_000 });
      assert.match(await row(dark).innerText(), /is unreachable \(no answer within 10s\)/, 'the reason is shown');
      const answered = await row(reachable).innerText();
      assert.match(answered, new RegExp(`\\bok\\b[\\s\\S]*${version.replace(/[.]/g, '\\.')}`), `${reachable} answers with its ownstack version: ${answered}`);
      assert.match(await text(page), new RegExp(`This host: ownstack ${version.replace(/[.]/g, '\\.')}`), 'this host\'s own version');
      await check(page, 'stacks');
    });
  },

  // deployments-other-stacks APP REACHABLE DARK IDS LINE: the Deployments page asks each app on another
  // stack for its history without being held: APP@DARK first "asking…", then unreachable with
  // ssh's reason; APP@REACHABLE's releases (IDS, comma-separated, newest first) as rows labelled
  // APP@REACHABLE, each with a link to its log on its stack: the newest one's shows LINE.
  async 'deployments-other-stacks'(app, reachable, dark, ids, line) {
    const item = (page, stack) => page.locator('#remote-histories li', { hasText: `${app}@${stack}:` });
    await withBrowser(async (page) => {
      await visit(page, `/deployments?app=${app}`);
      assert.match(await item(page, dark).innerText(), /asking…/, `${app}@${dark} waits for a first answer without holding the page`);
      assert.equal(await page.locator('#asking').count(), 1, 'the page says it is asking, and reloads itself');
      await item(page, dark).getByText(/unreachable: stack .* is unreachable \(no answer within 10s\)/).waitFor({ timeout: 90_000 });
      assert.match(await item(page, reachable).innerText(), /\d+ releases, asked/, `${app}@${reachable} answered`);
      await check(page, 'deployments-other-stacks');

      await visit(page, `/deployments?stack=${reachable}`);
      const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => `${tr.cells[0].innerText} ${tr.cells[1].innerText.split(' ')[0]}`));
      assert.deepEqual(rows, ids.split(',').map((id) => `${app}@${reachable} v${id}`), `the releases of ${app}@${reachable}, newest first`);
      const logLinks = await page.locator('tbody a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
      const newest = ids.split(',')[0];
      assert.deepEqual(logLinks, ids.split(',').map((id) => `/stacks/${reachable}/apps/${app}/releases/${id}/log`), 'only links to the logs on their stack');
      await page.getByRole('link', { name: `Log of ${app}@${reachable} v${newest}` }).click();
      // the first visit may find the log still being asked: the page says so and reloads itself
      await page.locator('#log').filter({ hasText: line }).waitFor({ timeout: 30_000 });
      assert.equal(new URL(page.url()).pathname, `/stacks/${reachable}/apps/${app}/releases/${newest}/log`);
      await check(page, 'remote-log');
    });
  },

  // promote-targets SOURCE TARGET…: the Promote confirmation names each target on another stack
  // and what this host last said it runs (a release, or unreachable), before anything is posted.
  async 'promote-targets'(source, ...targets) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${source}/promote`);
      for (const target of targets) {
        const item = page.locator('#promote-targets li', { hasText: `${target} (Production), now` });
        assert.equal(await item.count(), 1, `the confirmation lists ${target}`);
        assert.match(await item.innerText(), /now (v\d+ · |unreachable: )/, `what ${target} runs now`);
      }
      await page.getByRole('button', { name: new RegExp(`^Promote v\\d+ to .*${targets.map((t) => t.replace(/[.]/g, '\\.')).join(', ')}$`) }).waitFor();
    });
  },

  // deploy APP ID: Deploy now on the app page confirms, then lands on the log of the rebuild vID.
  async deploy(app, id) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${app}`);
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Deploy now' }).click()]);
      assert.match(await text(page), new RegExp(`dokku ownstack:rebuild ${app}`), 'the command is named');
      await check(page, 'deploy-confirm');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: `Deploy ${app} now` }).click()]);
      assert.equal(new URL(page.url()).pathname, `/apps/${app}/releases/${id}/log`, 'the rebuild\'s log');
      if (await page.locator('#log-status').count()) await page.locator('#log-status', { hasText: `v${id} succeeded.` }).waitFor({ timeout: 180_000 });
      else assert.match(await text(page), /succeeded/, 'the outcome');
    });
  },

  // request SOURCE TARGET: with the pipeline's approval guard, confirming a promotion makes a
  // request and deploys nothing; the page says so and the pipeline page lists the request.
  async request(source, target) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${source}/promote`);
      assert.match(await text(page), /needs another user's approval \(promote-approval\)/, 'the guard is named');
      const [after] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: new RegExp(`^Promote v\\d+ to ${target}$`) }).click()]);
      assert.equal(after?.status(), 200, 'the page after requesting');
      assert.match(await text(page), /finished without a new release/, 'no release was made');
      await visit(page, '/pipelines');
      assert.match(await text(page), new RegExp(`Request r\\d+: ${source} v\\d+ to ${target}`), 'the request is listed');
    });
  },

  // approve LABEL TARGET ID|refused: the Approve button of request LABEL; "refused" expects the
  // four-eyes refusal, else the approval lands on the log of TARGET's new release ID.
  async approve(label, target, id) {
    await withBrowser(async (page) => {
      await visit(page, '/pipelines');
      const [after] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: `Approve ${label}` }).click()]);
      if (id === 'refused') {
        assert.equal(after?.status(), 502, 'the refused approval');
        assert.match(await text(page), /another user must approve it/, 'the four-eyes refusal');
        return;
      }
      assert.equal(new URL(page.url()).pathname, `/apps/${target}/releases/${id}/log`, 'the new release\'s log');
      if (await page.locator('#log-status').count()) await page.locator('#log-status', { hasText: `v${id} succeeded.` }).waitFor({ timeout: 180_000 });
      else assert.match(await text(page), /succeeded/, 'the outcome');
    });
  },

  // no-actions APP SOURCE: a viewer's pages have no action, and the posts a viewer makes by hand,
  // with the session's own CSRF token, are refused with 403 and one line.
  async 'no-actions'(app, source) {
    await withBrowser(async (page) => {
      for (const route of ['/pipelines', `/apps/${app}`]) {
        await visit(page, route);
        assert.equal(await page.locator('a[href$="/promote"], a[href$="/rollback"], a[href$="/deploy"]').count(), 0, `${route} offers an action to a viewer`);
      }
      const csrf = await page.locator('input[name=csrf]').first().inputValue();
      for (const action of [`/apps/${source}/promote`, `/apps/${app}/deploy`, `/apps/${app}/releases/1/rollback`]) {
        const answer = await page.evaluate(async ([url, token]) => {
          const response = await fetch(url, { method: 'POST', body: new URLSearchParams({ csrf: token }) });
          return [response.status, await response.text()];
        }, [action, csrf]);
        assert.deepEqual(answer, [403, 'Refused: this session is read-only (a viewer cannot act)\n'], `a viewer's POST ${action}`);
      }
    });
  },

  // action-csrf APP: a deployer's action posted without the CSRF token, or with another, is refused.
  async 'action-csrf'(app) {
    await withBrowser(async (page) => {
      await visit(page, `/apps/${app}`);
      for (const body of [undefined, new URLSearchParams({ csrf: 'forged' }).toString()]) {
        const status = await page.evaluate(async ([url, form]) => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form ?? '' })).status, [`/apps/${app}/deploy`, body]);
        assert.equal(status, 403, `POST /apps/${app}/deploy with ${body ?? 'no token'}`);
      }
    });
  },

  // signed-out: the saved session no longer opens a page (revoked or signed out).
  async 'signed-out'() {
    await withBrowser(async (page) => {
      await visit(page, '/deployments', 401);
      assert.match(await text(page), /ownstack:dashboard:login/);
    });
  },
};

// serve ENDPOINT_FILE: launches the browser, listens on a Unix socket beside ENDPOINT_FILE for
// scenarios to run (helpers/browser.bash's `browser` posts them with curl: the scenario, its
// arguments and the caller's DASHBOARD_* variables as JSON), writes the socket's path into the file
// (renamed into place, so a reader never sees half of it), and runs until SIGTERM. One scenario
// runs at a time, in the order they came. The answer is 200 and nothing, or 500 and what the
// scenario failed with.
async function serve(endpointFile) {
  sharedBrowser = await chromium.launch(launchOptions);
  const socket = `${endpointFile}.sock`;
  fs.rmSync(socket, { force: true });
  let queue = Promise.resolve();
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      // a step that threw (an answer to a client gone) must not stop the scenarios after it
      queue = queue
        .then(async () => {
          const failure = await runScenario(body);
          response.writeHead(failure === undefined ? 200 : 500, { 'content-type': 'text/plain' });
          response.end(failure === undefined ? '' : `${failure}\n`);
        })
        .catch(() => undefined);
    });
  });
  server.requestTimeout = 0; // a scenario may wait on a stack that never answers
  await new Promise((resolve) => server.listen(socket, resolve));
  fs.writeFileSync(`${endpointFile}.tmp`, `${socket}\n`);
  fs.renameSync(`${endpointFile}.tmp`, endpointFile);
  const gone = () => {
    process.stderr.write('dashboard-browser: the browser is gone\n');
    process.exit(1);
  };
  sharedBrowser.on('disconnected', gone);
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  server.close();
  sharedBrowser.off('disconnected', gone);
  await sharedBrowser.close();
}

// One request of `serve`: {"scenario", "args", "env"}; what the scenario failed with, or undefined.
async function runScenario(body) {
  let name = '?';
  try {
    const request = JSON.parse(body);
    name = String(request.scenario);
    useEnvironment(request.env ?? {});
    await scenarioNamed(name)(...(request.args ?? []).map(String));
    return undefined;
  } catch (error) {
    return `dashboard-browser: ${name}: ${error?.message ?? error}`;
  }
}

function scenarioNamed(name) {
  return (Object.hasOwn(scenarios, name) && scenarios[name]) || fail(`unknown scenario ${name}: ${Object.keys(scenarios).join(', ')}`);
}

const [name, ...args] = process.argv.slice(2);
try {
  if (name === 'serve') {
    await serve(args[0] ?? fail('serve ENDPOINT_FILE'));
    process.exit(0);
  }
  useEnvironment(process.env);
  await scenarioNamed(name)(...args);
} catch (error) {
  process.stderr.write(`dashboard-browser: ${error instanceof ScenarioFailure ? '' : `${name}: `}${error?.message ?? error}\n`);
  process.exit(1);
}
