// What every browser test shares: its settings from the environment, the
// list of failed checks, Debian's Chromium started the same way, a page
// watched for errors and requests to other origins, axe-core, a step's
// screenshots at both sizes, the weight of a page load and the exit code.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

// What a walk's time goes to, printed by finish() as "timing:" lines
// (as the harness prints its own; also to the file WALK_TIMING names):
// for each kind of step, how many and their milliseconds of wall time.
// timed(kind, fn) awaits fn() and counts it under kind.
const spentOn = new Map([['node start-up', [1, performance.now()]]]);
export async function timed(kind, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    const [n, ms] = spentOn.get(kind) || [0, 0];
    spentOn.set(kind, [n + 1, ms + performance.now() - t0]);
  }
}

export const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};

// The screenshot folder (SCREENSHOTS), made if missing.
export function shotsDir() {
  const dir = env('SCREENSHOTS');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// failures: what failed; check(ok, what) records a failed check (and,
// verbose, says each passed one with the seconds since the start).
export function checks({ verbose = false } = {}) {
  const failures = [];
  const t0 = Date.now();
  const check = (ok, what) => {
    if (!ok) {
      failures.push(what);
      console.error(`FAIL: ${what}`);
    } else if (verbose) {
      console.log(`ok: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  };
  return { failures, check };
}

let early = null; // Chromium launched before the settings came

// Debian's Chromium, headless, with nothing reaching out to the network.
export function launch() {
  if (early) {
    const browser = early;
    early = null;
    return browser;
  }
  return timed('chromium launch', () => chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic',
      '--disable-sync'],
  }));
}

// Fails the checks on a page error, a console error other than the ones
// the page expects (quiet: a RegExp; 4xx answers always are), and a request
// that allowed(request) refuses.
export function watch(page, check, { label = '', quiet = null, allowed }) {
  const who = label ? `${label}: ` : '';
  page.on('pageerror', (e) => check(false, `${who}page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || /status of 4\d\d/.test(m.text())) return;
    if (quiet && quiet.test(m.text())) return;
    check(false, `${who}console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!allowed(r)) check(false, `${who}a request to another origin: ${r.url()}`);
  });
}

let axeSource = null;
const devtools = new WeakMap(); // page -> its DevTools protocol session

// axe-core on the page as it is now: no serious or critical violation.
// Its source goes into each new document as a script over the DevTools
// protocol: page.evaluate() of the source evals it, in about twice the
// time (330-430 ms against 580-830 on a loaded machine).  axe reports
// only the violations in full (resultTypes: the passes' nodes are not
// serialised), and only their rule, impact and nodes come back: 400 ms
// a run against 888 (test_portal's 13, loaded).
export async function axe(page, name, check) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!await page.evaluate(() => !!window.axe)) {
    if (!devtools.has(page))
      devtools.set(page, await page.context().newCDPSession(page));
    const r = await timed('axe injected', () => devtools.get(page).send(
      'Runtime.evaluate', { expression: axeSource }));
    if (r.exceptionDetails)
      throw new Error(`axe-core: ${r.exceptionDetails.text}`);
  }
  const violations = await timed('axe run', () => page.evaluate(() =>
    window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
        'best-practice'],
      resultTypes: ['violations'],
    }).then((res) => res.violations.map((v) => ({ id: v.id,
      impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))));
  for (const v of violations.filter((x) =>
    x.impact === 'serious' || x.impact === 'critical'))
    check(false, `axe on ${name}: ${v.id} (${v.impact}): ` +
      v.nodes.join(', '));
}

// Screenshots of the page at 1280x800 and 390x844 (full pages), numbered
// in order; fails the check when the narrow page scrolls sideways.
// settle(page) runs after the resize, for what lays itself out again.
export function screenshots(page, dir, check, { settle = null } = {}) {
  let n = 0;
  return async (name) => {
    n++;
    const prefix = `${dir}/${String(n).padStart(2, '0')}-${name}`;
    await timed('screenshot 1280x800', () =>
      page.screenshot({ path: `${prefix}-1280x800.png`, fullPage: true }));
    await timed('resize', () =>
      page.setViewportSize({ width: 390, height: 844 }));
    if (settle) await settle(page);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 390, `${name}: ${wide} px wide at 390 px`);
    await timed('screenshot 390x844', () =>
      page.screenshot({ path: `${prefix}-390x844.png`, fullPage: true }));
    await timed('resize', () =>
      page.setViewportSize({ width: 1280, height: 800 }));
    return n;
  };
}

// open(url, name, {idle}) loads a page and waits for html[data-ready="true"]
// (idle: and for the network to go quiet);
// weights lists each load's requests, bytes (headers and bodies), first
// contentful paint and the page's own data-ready-ms.
export function weigher(page) {
  let load = null;
  const weights = [];
  page.on('requestfinished', async (r) => {
    if (!load) return;
    const current = load;
    const s = await r.sizes().catch(() => null);
    current.requests++;
    if (s) current.bytes += s.responseBodySize + s.responseHeadersSize;
  });
  const open = async (url, name, { idle = false } = {}) => {
    load = { requests: 0, bytes: 0 };
    await timed('page load', async () => {
      await page.goto(url);
      await page.waitForSelector('html[data-ready="true"]');
    });
    if (idle) await timed('network idle', () =>
      page.waitForLoadState('networkidle'));
    const fcp = await page.evaluate(() => {
      const e = performance.getEntriesByName('first-contentful-paint')[0];
      return e ? Math.round(e.startTime) : null;
    });
    const ready = Number(await page.getAttribute('html', 'data-ready-ms'));
    weights.push({ page: name, requests: load.requests, bytes: load.bytes,
      first_paint_ms: fcp, ready_ms: ready });
    load = null;
  };
  return { open, weights };
}

// A card typed into the payment provider's frame (a FrameLocator).
export async function typeCard(frame, number, month, year, cvc) {
  await frame.locator('#number').fill(number);
  await frame.locator('#exp_month').fill(month);
  await frame.locator('#exp_year').fill(year);
  await frame.locator('#cvc').fill(cvc);
}

// The /apply wizard, open at its first step, filled with good data and
// sent: o.product, o.storage, o.fields ({name: value} of the second
// step), o.password, o.card ([number, month, year, cvc]) and o.avsCard
// (a second card for the address check, or none).  Returns the
// application number and the clicks it took (ticks included).
export async function applyThrough(page, o) {
  let clicks = 0;
  const tick = async (sel, on = true) => {
    if (await page.isChecked(sel) === on) return;
    clicks++;
    await (on ? page.check(sel) : page.uncheck(sel));
  };
  const fill = (name, value) => page.locator(`[name="${name}"]`).fill(value);
  const next = async (step) => {
    clicks++;
    await page.click('#apply button[type="submit"]');
    if (step !== undefined)
      await page.waitForSelector(`[data-step="${step}"]:not([hidden])`);
  };
  await tick(`[name="product"][value="${o.product}"]`);
  await tick(`[name="storage"][value="${o.storage}"]`);
  await next(1);
  for (const [n, v] of Object.entries(o.fields)) await fill(n, v);
  await next(2);
  await fill('account.password', o.password);
  await fill('account.password_again', o.password);
  for (let i = 0; i < 3; i++) {
    await fill(`account.secret_questions[${i}].question`, `Question ${i}?`);
    await fill(`account.secret_questions[${i}].answer`, `answer ${i}`);
  }
  await next(3);
  await tick('[name="subscriber_agreement.accepted"]');
  await typeCard(page.frameLocator('#f-payment-card-token'), ...o.card);
  if (o.avsCard) {
    await tick('[name="same_card"]', false);
    await typeCard(page.frameLocator('#f-address-verification-card-token'),
      ...o.avsCard);
  }
  await next();
  await page.waitForSelector('#sent-to');
  return { id: await page.innerText('#app-id'), clicks };
}

// A page of a new context: o.viewport (1280x800), o.options (more of
// the context's options), o.timeout ms for each wait (30000), watched
// (watch(): o.label, o.quiet, and o.allowed(request, page)) and, with
// o.shots (a folder), its screenshots (screenshots(): o.settle); with
// o.localNetwork (an origin), Chromium's Local Network Access granted to
// it (where Chromium knows it: it asks the user before a page reaches a
// loopback service).  Returns { context, page, shoot }.
export async function openPage(browser, check, o) {
  const context = await timed('context', () => browser.newContext({
    viewport: o.viewport || { width: 1280, height: 800 },
    ...(o.options || {}) }));
  if (o.localNetwork)
    await context.grantPermissions(['local-network-access'],
      { origin: o.localNetwork }).catch(() => {});
  const page = await context.newPage();
  page.setDefaultTimeout(o.timeout || 30000);
  watch(page, check, { label: o.label, quiet: o.quiet,
    allowed: (r) => o.allowed(r, page) });
  const shoot = o.shots ? screenshots(page, o.shots, check,
    { settle: o.settle }) : null;
  return { context, page, shoot };
}

// A request of page that only the payment provider's card frame at pay
// makes: its scripts, and the card's token from inside the frame.
export function cardFrameRequest(r, page, pay) {
  return r.url().startsWith(pay + '/elements/') ||
    (r.url() === pay + '/v1/tokens' && r.frame() !== page.mainFrame());
}

// The screenshots' settle() of a page with the card frame (another
// process, which lays itself out again): until each visible frame's
// document is as wide as its iframe and the iframe as tall as the
// frame's document (which the frame posts, cardframe.js), frame by frame
// of the page; at most 2 s (as long as a frame that never says).
export async function settleFrames(p) {
  const settled = async () => {
    for (const el of await p.locator('iframe:visible').elementHandles()) {
      const f = await el.contentFrame();
      if (!f) return false;
      const [width, height] = await el.evaluate((e) => {
        const cs = getComputedStyle(e);
        return [e.clientWidth - parseFloat(cs.paddingLeft) -
          parseFloat(cs.paddingRight), e.style.height];
      });
      const [w, h] = await f.evaluate(() => [window.innerWidth,
        Math.ceil(document.documentElement.getBoundingClientRect().height)]);
      if (Math.abs(w - width) > 1 || height !== `${Math.min(800, h + 4)}px`)
        return false;
    }
    return true;
  };
  const until = Date.now() + 2000;
  await timed('settle frames', async () => {
    while (!await settled().catch(() => false) && Date.now() < until)
      await p.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  });
}

// A page (openPage()) for a walk that reaches the token agent: Local
// Network Access granted to base, watched (requests only to base, the
// agent and the payment provider's card frame at pay) and its
// screenshots at shots.
export function agentPage(browser, check, { base, agent, pay, shots }) {
  return openPage(browser, check, { shots, settle: settleFrames,
    localNetwork: base, quiet: /ERR_FAILED|ERR_CONNECTION/,
    allowed: (r, page) => r.url().startsWith(base) ||
      r.url().startsWith(agent) || cardFrameRequest(r, page, pay) ||
      r.url().startsWith('data:') });
}

// A walk that reaches the token agent, named name: Chromium launched, a
// page from agentPage(browser, check, where), body({ page, shoot, weigh })
// (weigh a weigher() of the page) awaited, a throw a failure
// (walkFailed()), the walk's time printed; then finish().
export async function agentWalk(name, { check, failures }, where, body) {
  const browser = await launch();
  const started = Date.now();
  let page;
  try {
    const made = await agentPage(browser, check, where);
    page = made.page;
    await body({ page, shoot: made.shoot, weigh: weigher(page) });
  } catch (e) {
    await walkFailed(page, failures, e, where.shots);
  }
  console.log(`${name}.test.mjs: ${Date.now() - started} ms`);
  await finish(browser, failures, name);
}

// Chromium's virtual authenticators for page (the DevTools protocol's
// WebAuthn domain): add(options) makes one and gives its id, creds(id)
// its credentials, remove(id) takes it away; send(method, params) is the
// rest of the domain.
export async function authenticators(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const send = (method, params) => cdp.send(`WebAuthn.${method}`, params);
  return {
    send,
    add: async (options) =>
      (await send('addVirtualAuthenticator', { options })).authenticatorId,
    creds: async (id) =>
      (await send('getCredentials', { authenticatorId: id })).credentials,
    remove: (id) => send('removeVirtualAuthenticator', { authenticatorId: id }),
  };
}

// The portal's log-in form (#login) filled with account and password and
// sent with submit(selector) (page.click, or a walker's follow to count
// the click).
export async function logIn(page, account, password,
  submit = (sel) => page.click(sel)) {
  await page.waitForSelector('#login');
  await page.fill('[name="account"]', account);
  await page.fill('[name="password"]', password);
  await submit('#login button[type="submit"]');
}

// POSTs path to the tests' control service at control (what others do:
// operators, the mail, the clock); its JSON answer, or an exception
// unless 200.
export async function control(url, path) {
  const r = await timed(`control ${path.replace(/\?.*/, '')}`, () =>
    fetch(url + path, { method: 'POST' }));
  const js = await r.json();
  if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(js)}`);
  return js;
}

// Ada Lovelace's answers to the wizard's second step (applyThrough()'s
// fields), at email, born dob; with her NPI and DEA number unless
// prescriber is false.
export function adaFields(email, dob, { prescriber = true } = {}) {
  const f = {
    'applicant.given_name': 'Ada', 'applicant.family_name': 'Lovelace',
    'applicant.date_of_birth': dob, 'applicant.email': email,
    'applicant.phone': '+13175550100',
    'applicant.home_address.line1': '1 Main St',
    'applicant.home_address.city': 'Indianapolis',
    'applicant.home_address.state': 'IN',
    'applicant.home_address.postal_code': '46204',
    'applicant.ssn_last4': '1234' };
  if (prescriber)
    Object.assign(f, { 'applicant.npi': '1234567893',
      'applicant.dea_number': 'AL1234563' });
  return f;
}

// A walk (walker() w) from the landing page's link into the wizard,
// open at its first step: one click.
export async function startWizard(page, w) {
  await w.follow('#start');
  await page.waitForSelector('[data-step="0"]:not([hidden])');
  await page.waitForSelector('html[data-ready="true"]');
}

// A walk (walker() w) from a sent application (o.app, o.email,
// o.password) to its status page: the mail's link clicked (loaded by
// weigh, a weigher(), as o.name), the decision rules' approval awaited
// over the control service, the status page logged into (o.login: the
// walk's own log-in) and checked Approved.
export async function approvedThrough(page, w, weigh, check, o) {
  const { link } = await w.ctl(`/link?email=${encodeURIComponent(o.email)}`);
  w.clicks++;
  await weigh.open(link, o.name);
  await page.waitForSelector('text=Your e-mail address is verified');
  const { status } = await w.ctl(`/checked?app=${o.app}`);
  check(status === 'approved', `${o.name}: the decision rules: ${status}`);
  await w.follow('text=See the status of your application');
  await o.login();
  await page.waitForSelector('#app-status');
  check(await page.innerText('#app-status') === 'Approved',
    `${o.name}: status ${await page.innerText('#app-status')}`);
}

// The agent's window, played by the scripted pinentry
// (tests/pinentry_scripted.py, its script file at path): answers(...)
// writes what the user types or says at its next prompts ("pin X",
// "yes", "no"), left() what is still unanswered.
export function agentWindow(path) {
  return {
    answers: (...lines) =>
      writeFileSync(path, lines.map((l) => l + '\n').join('')),
    left: () => readFileSync(path, 'utf8').split('\n').filter(Boolean),
  };
}

// A walk as the user makes it, timed and counted: click() and follow()
// are the user's clicks; step(name) (axe and the screenshots), aside(fn)
// (a detour off the straight path, its clicks counted apart) and ctl(path)
// (what others do, over control.py's service at control) are not the
// user's time (spent).  until(title) waits for the page's heading.
export function walker(page, { check, shoot, control: ctlUrl }) {
  const w = { spent: 0, clicks: 0, detourClicks: 0 };
  w.heading = () => page.locator('h1').innerText();
  w.step = async (name) => {
    const s0 = Date.now();
    await axe(page, name, check);
    await shoot(name);
    w.spent += Date.now() - s0;
  };
  w.aside = async (fn) => {
    const s0 = Date.now();
    const spent0 = w.spent;
    const c0 = w.clicks;
    const out = await fn();
    w.spent += Date.now() - s0 - (w.spent - spent0);
    w.detourClicks += w.clicks - c0;
    return out;
  };
  w.ctl = async (path) => {
    const s0 = Date.now();
    try {
      return await control(ctlUrl, path);
    } finally {
      w.spent += Date.now() - s0;
    }
  };
  w.click = async (label) => {
    w.clicks++;
    await page.getByRole('button', { name: label }).click();
  };
  w.follow = async (selector) => {
    w.clicks++;
    await page.click(selector);
  };
  w.until = (title) => page.waitForFunction((t) => {
    const h = document.querySelector('h1');
    return h && h.textContent === t;
  }, title);
  return w;
}

// The retrieval page (/retrieve, open at the agent's next step) walked
// to the certificate on the token, the agent's window answered through
// win (agentWindow): the letter's passcode changed when the token asks
// for it (o.initial, a kit's token), the key made, the certificate
// retrieved with o.code and o.password, each confirmed and unlocked with
// o.passcode (the token's own).  await o.onStep(name) runs as each step
// is shown (passcode, keygen, retrieve; certificate-on-token at the
// end).  Returns the certificate's serial.
export async function retrieveThrough(page, w, win, o) {
  const onStep = o.onStep || (async () => {});
  if (await w.heading() === 'Change your token passcode') {
    if (!o.initial) throw new Error('the page asks to change a passcode');
    await onStep('passcode');
    win.answers(`pin ${o.initial}`, `pin ${o.passcode}`, `pin ${o.passcode}`);
    await w.click('Change the passcode');
    await w.until('Make your key on the token');
  }
  if (await w.heading() !== 'Make your key on the token')
    throw new Error(`the retrieval page: ${await w.heading()}`);
  await onStep('keygen');
  win.answers(`pin ${o.passcode}`);
  await w.click('Make the key');
  await w.until('Retrieve your certificate');
  await onStep('retrieve');
  await page.locator('[name="activation_code"]').fill(o.code);
  await page.locator('[name="password"]').fill(o.password);
  win.answers('yes', `pin ${o.passcode}`);
  await w.click('Retrieve my certificate');
  await w.until('Your certificate is on your token');
  const serial = await page.locator('[data-serial]').innerText();
  await onStep('certificate-on-token');
  return serial;
}

// Prints each page load of weights (weigher()) as a MEASURE line.
export function printWeights(weights) {
  for (const x of weights)
    console.log(`MEASURE page ${x.page}: ${x.bytes} bytes, ` +
      `${x.requests} requests, first paint ${x.first_paint_ms} ms, ` +
      `ready ${x.ready_ms} ms`);
}

// A walk that threw: its error a failure, the page as it was saved as
// failure.png in shots.
export async function walkFailed(page, failures, e, shots) {
  failures.push(String(e && e.stack || e));
  console.error(e);
  if (page) await page.screenshot({ path: `${shots}/failure.png`,
    fullPage: true }).catch(() => {});
}

// Closes the browser and ends the process: 1 if any check failed.
export async function finish(browser, failures, name) {
  await timed('chromium close', () => browser.close().catch(() => {}));
  const lines = [...spentOn].sort((a, b) => b[1][1] - a[1][1]).map(
    ([kind, [n, ms]]) => `timing: ${String(n).padStart(4)} x ` +
      `${String(Math.round(ms)).padStart(6)} ms  ${kind}`);
  lines.push(`timing: ${Math.round(performance.now())} ms in node`);
  console.log(lines.join('\n'));
  if (process.env.WALK_TIMING)
    writeFileSync(process.env.WALK_TIMING, lines.join('\n') + '\n');
  if (failures.length) {
    console.error(`${name}: ${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log(`${name}: all checks passed`);
  process.exit(0);
}

// With WALK_SETTINGS=stdin (walk.py's start(): node started as the
// test's set-up begins) the settings come on the standard input as a
// JSON object once the stack is up, and Chromium starts meanwhile (the
// walk's launch() has it).  A set-up that fails stops node (SIGTERM:
// it exits at once, and Chromium is killed as it exits) or ends it (its
// standard input closed, empty).
if (process.env.WALK_SETTINGS === 'stdin') {
  const stopped = () => process.exit(143);
  process.on('SIGTERM', stopped);
  early = launch();
  early.catch(() => {}); // the walk's launch() reports a failure
  const chunks = [];
  await timed('settings awaited', async () => {
    for await (const c of process.stdin) chunks.push(c);
  });
  process.off('SIGTERM', stopped);
  if (!chunks.length) {
    console.error('no settings came: the test\'s set-up did not finish');
    process.exit(1);
  }
  Object.assign(process.env, JSON.parse(Buffer.concat(chunks).toString()));
}
