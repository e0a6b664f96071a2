// The portal's /retrieve page in Debian's Chromium with the real token
// agent (run by test_retrieve.py, which wrote nothing to the token but
// the kit's provisioning): the agent not running -> change the passcode
// (typed at the agent's scripted pinentry) -> the key pair -> a reload
// (resumes at the retrieval) -> field errors -> a signature the user
// refuses at the agent's window -> the retrieval -> a reload (the same
// certificate) -> Test my certificate.  axe-core on every step; a
// screenshot of each at 1280x800 and 390x844; time and clicks, page
// weight, requests and first paint printed.
import { readFileSync, writeFileSync } from 'node:fs';
import { axe, checks, env, finish, launch, screenshots, shotsDir, watch,
  weigher } from './lib.mjs';

const BASE = env('BASE_URL');
const AGENT = env('AGENT_URL');
const SCRIPT = env('PINENTRY_SCRIPT');
const SHOTS = shotsDir();
const NEW = env('NEW_PASSCODE');
const { failures, check } = checks();

// What the user answers at the agent's next windows.
const answers = (...lines) =>
  writeFileSync(SCRIPT, lines.map((l) => l + '\n').join(''));
const left = () => readFileSync(SCRIPT, 'utf8').split('\n').filter(Boolean);

const browser = await launch();
const started = Date.now();
let clicks = 0;
let page;
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 } });
  // Chromium's Local Network Access asks the user before a page reaches
  // a loopback service; the test grants it (where Chromium knows it).
  await context.grantPermissions(['local-network-access'], { origin: BASE })
    .catch(() => {});
  page = await context.newPage();
  page.setDefaultTimeout(30000);
  watch(page, check, { quiet: /ERR_FAILED|ERR_CONNECTION/,
    allowed: (r) => r.url().startsWith(BASE) || r.url().startsWith(AGENT) ||
      r.url().startsWith('data:') });

  const weigh = weigher(page);
  const weights = weigh.weights;
  const open = (name) => weigh.open(`${BASE}/retrieve`, name);
  const shoot = screenshots(page, SHOTS, check);
  let spent = 0; // ms in axe and screenshots, not the user's time
  async function step(name) {
    const s0 = Date.now();
    await axe(page, name, check);
    await shoot(name);
    spent += Date.now() - s0;
  }
  const heading = () => page.locator('h1').innerText();
  async function click(label) {
    clicks++;
    await page.getByRole('button', { name: label }).click();
  }
  async function until(title) {
    await page.waitForFunction((t) => {
      const h = document.querySelector('h1');
      return h && h.textContent === t;
    }, title);
  }

  // 0. The agent not answering (its requests fail): what to install.
  await page.route(`${AGENT}/**`, (r) => r.abort('connectionrefused'));
  await open('not-running');
  check(await heading() === 'Start the rxca token program',
    `not running: ${await heading()}`);
  await step('agent-not-running');
  await page.unroute(`${AGENT}/**`);

  // 1. The initial passcode changed at the agent's window.
  const t0 = Date.now();
  const spent0 = spent;
  await open('passcode');
  check(await heading() === 'Change your token passcode',
    `passcode: ${await heading()}`);
  await step('passcode');
  answers(`pin ${env('INITIAL_PASSCODE')}`, `pin ${NEW}`, `pin ${NEW}`);
  await click('Change the passcode');
  await until('Make your key on the token');
  check(left().length === 0, 'passcode: every answer used');
  // the passcode never went into the page
  check(!(await page.content()).includes(NEW), 'passcode in the page');
  await step('keygen');

  // 2. The key pair.
  answers(`pin ${NEW}`);
  await click('Make the key');
  await until('Retrieve your certificate');
  await step('retrieve');

  // 3. Reloaded after the key generation: the page continues there.
  await open('retrieve-reloaded');
  check(await heading() === 'Retrieve your certificate',
    `reloaded after keygen: ${await heading()}`);
  check(await page.locator('li[aria-current="step"]').innerText() ===
    'Retrieve your certificate', 'progress: the retrieval is current');

  // 4. Field errors at their fields.
  await click('Retrieve my certificate');
  for (const [name, want] of [['activation_code', 'Type the activation ' +
    'code from your letter.'], ['password', 'Type your account password.']]) {
    const e = await page.evaluate((n) => {
      const w = document.querySelector(`[data-field="${n}"]`);
      const i = w.querySelector('input');
      const err = w.querySelector('.error');
      return { text: err.textContent, invalid: i.getAttribute(
        'aria-invalid'), tied: i.getAttribute('aria-describedby')
        .split(' ').includes(err.id) };
    }, name);
    check(e.text === want && e.invalid === 'true' && e.tied,
      `${name}: ${JSON.stringify(e)}`);
  }
  await step('retrieve-field-errors');

  // 5. The user says no at the agent's window: nothing signed.
  await page.locator('[name="activation_code"]').fill(
    env('ACTIVATION_CODE').toLowerCase());
  await page.locator('[name="password"]').fill(env('PASSWORD'));
  answers('no', `pin ${NEW}`);
  await click('Retrieve my certificate');
  await page.waitForSelector('.alert.error:not([hidden])');
  const refused = await page.locator('.alert.error').innerText();
  check(/not confirmed/.test(refused), `refused: ${refused}`);
  check(left().length === 1, 'refused: the passcode was not asked');
  await step('retrieve-refused');

  // 6. The retrieval, confirmed.
  answers('yes', `pin ${NEW}`);
  await click('Retrieve my certificate');
  await until('Your certificate is on your token');
  const serial = await page.locator('[data-serial]').innerText();
  check(/^[0-9a-f]{32,}$/.test(serial), `serial: ${serial}`);
  const toToken = Date.now() - t0 - (spent - spent0);
  await step('certificate');

  // 7. Reloaded after issuance: the same certificate.
  await open('certificate-reloaded');
  check(await page.locator('[data-serial]').innerText() === serial,
    'reloaded after issuance: the same certificate');

  // 8. Test my certificate.
  await page.locator('[name="password"]').fill(env('PASSWORD'));
  answers('yes', `pin ${NEW}`);
  await click('Test my certificate');
  await page.waitForSelector('[data-test="passed"]');
  await step('tested');

  console.log(`MEASURE retrieve: ${toToken} ms and ${clicks} clicks ` +
    'from the retrieval page to the certificate on the token (scripted ' +
    'pinentry answers at once; axe and screenshots not counted; a ' +
    'reload, a refused signature and the field errors included)');
  for (const w of weights)
    console.log(`MEASURE page ${w.page}: ${w.bytes} bytes, ` +
      `${w.requests} requests, first paint ${w.first_paint_ms} ms, ` +
      `ready ${w.ready_ms} ms`);
} catch (e) {
  failures.push(String(e && e.stack || e));
  console.error(e);
  if (page) await page.screenshot({ path: `${SHOTS}/failure.png`,
    fullPage: true }).catch(() => {});
}
console.log(`retrieve.test.mjs: ${Date.now() - started} ms`);
await finish(browser, failures, 'retrieve');
