// What every browser test does before and after its scenarios, in one
// place: skip without a database, find Debian's chromium and
// playwright-core, start the test server (server.py or another script
// that prints one JSON line with the port and tokens and stops patrold
// when its stdin closes), open a page with the project's settings
// (Japanese, the service's zone), log in through the login form, take
// screenshots, call the API with a token, run the CLI, and tear it all
// down, failing when patrold did not exit cleanly.
//
// Importing this module exits with 77 (skipped) without DATABASE_URL and
// with 1 when chromium or playwright-core is missing, as each test did.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set: run scripts/test.sh; skipped');
  process.exit(77);
}
const CHROMIUM = process.env.PATROL_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: run scripts/deps.sh test`);
  process.exit(1);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('playwright-core is missing (npm ci, done by scripts/deps.sh):', e.message);
  process.exit(1);
}

export const BUILD = process.env.PATROL_BUILD_DIR || 'build';
export const AGENT = join(BUILD, 'mobile-agent', 'patrol-agent');
export const PATROLCTL = join(BUILD, 'server', 'patrolctl');
export const SHOTS = process.env.PATROL_SCREENSHOT_DIR || join(BUILD, 'tests', 'browser', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

// The page settings of the console's users: a desktop, Japanese, in the
// service's zone. A test passes its own viewport (or a phone's options).
export const DESKTOP = { viewport: { width: 1366, height: 768 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' };
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
  isMobile: true, hasTouch: true, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' };

// The demo's log-ins by role (scripts/run.sh prints the same).
export const USERS = {
  dispatcher: ['dispatcher', 'patrol-demo'],
  viewer: ['viewer', 'patrol-demo'],
  admin: ['admin1', 'admin-password-1'],
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A browser against a fresh server. Fields (server, info, base, browser,
// context, page) are filled by start(); close() undoes whatever start()
// got to, so it is safe in after() when before() failed half-way.
export class Harness {
  // script: the server script beside this file; context: newContext's
  // options (DESKTOP by default).
  constructor({ script = 'server.py', context = DESKTOP } = {}) {
    this.script = script;
    this.contextOptions = context;
    this.server = this.lines = this.info = this.base = null;
    this.browser = this.context = this.page = null;
  }

  // Starts the server and waits for its JSON line, then opens the page.
  async start() {
    await this.startServer();
    await this.launch();
    return this;
  }

  async startServer() {
    this.server = spawn('python3', [join(here, this.script)], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.server.stdout });
    this.info = JSON.parse(await this.nextLine());
    this.base = 'http://127.0.0.1:' + this.info.port;
  }

  nextLine() {
    return new Promise((resolve, reject) => {
      this.lines.once('line', resolve);
      this.server.once('exit', (code) => reject(new Error(this.script + ' exited ' + code)));
    });
  }

  async launch() {
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    this.context = await this.browser.newContext(this.contextOptions);
    this.page = await this.context.newPage();
    this.page.on('pageerror', (e) => console.error('page error:', e.message));
  }

  // Logs in through the form as name/password, or as a role of USERS
  // (login('admin')). Answers the HTTP status of the log-in; on 200 it
  // has also waited for the console to start (live feed connected).
  async login(name, password, page = this.page) {
    if (password === undefined) [name, password] = USERS[name];
    await page.goto(this.base + '/');
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#login-name', name);
    await page.fill('#login-password', password);
    const reply = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await page.press('#login-password', 'Enter');
    const status = (await reply).status();
    if (status === 200) await page.locator('#live.live-on').waitFor();
    return status;
  }

  // The same, failing the test unless the log-in succeeded.
  async loginOk(name, password, page = this.page) {
    assert.equal(await this.login(name, password, page), 200, 'log-in as ' + name);
  }

  // The API with a bearer token (the dispatcher's by default): status and
  // the JSON body (null when there is none).
  async api(method, path, body, token = this.info.dispatcher_token) {
    const r = await fetch(this.base + path, {
      method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  // A screenshot of page to SHOTS/name.png. settle: ms to wait first
  // (for transitions); fullPage as playwright's.
  async shot(name, { page = this.page, settle = 0, fullPage = false } = {}) {
    if (settle) await page.waitForTimeout(settle);
    await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage });
  }

  async closeBrowser() {
    if (this.browser) await this.browser.close();
    this.browser = null;
  }

  // Ends the server (closing its stdin) and fails unless it exited 0.
  async stopServer() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    const code = await new Promise((resolve) => {
      server.once('exit', (c) => resolve(c));
      server.stdin.end();
    });
    assert.equal(code, 0, 'patrold did not exit cleanly (see its log above)');
  }

  async close() {
    await this.closeBrowser();
    await this.stopServer();
  }
}

// Runs a program to the end; its stdout, or a failed assertion. The
// agent's network timeout is agentTimeout seconds.
export function run(cmd, args, agentTimeout = 10) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000,
    env: { ...process.env, PATROL_AGENT_TIMEOUT_S: String(agentTimeout) } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}
