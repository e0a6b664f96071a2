// The portal's /passkeys page in Debian's Chromium with its virtual
// authenticator (the Chrome DevTools Protocol's WebAuthn domain, through a
// Playwright CDP session), run by test_passkeys.py for an application
// proofed through the reference OpenID provider: log in -> no passkey ->
// register with user verification (the list shows it) -> an
// authenticator that cannot verify its user (refused, nothing added) ->
// five more registrations, each on a new authenticator, timed from the
// click to the row -> revoke one.  axe-core and screenshots at each step.
import { authenticators, axe, checks, env, finish, launch, logIn, openPage,
  shotsDir } from './lib.mjs';

const BASE = env('BASE_URL');
const APP = env('APP_ID');
const PASSWORD = env('PASSWORD');
const { failures, check } = checks({ verbose: true });

const AUTH = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true };

const browser = await launch();
let page;
try {
  const made = await openPage(browser, check, { shots: shotsDir(),
    allowed: (r) => r.url().startsWith(BASE) || r.url().startsWith('data:') });
  page = made.page;
  const shot = made.shoot;
  const { add, creds: credsOf, remove } =
    await authenticators(made.context, page);
  const rows = () => page.locator('li.passkey').count();
  const register = async (name) => {
    await page.fill('[name="name"]', name);
    await page.click('#register button[type="submit"]');
  };

  let auth = await add(AUTH);
  await page.goto(`${BASE}/passkeys`);
  await page.waitForSelector('html[data-ready="true"]');
  await logIn(page, APP, PASSWORD);
  await page.waitForSelector('#register');
  check(await rows() === 0, 'no passkey at first');
  await axe(page, 'no passkey', check);
  await shot('no-passkey');

  // user verification on: registered
  await register('Test phone');
  await page.waitForSelector('li.passkey[data-status="active"]');
  check((await page.textContent('main')).includes('Test phone is registered'),
    'UV on: registered and said so');
  check((await credsOf(auth)).length === 1,
    'UV on: one key on the authenticator');
  await axe(page, 'registered', check);
  await shot('registered');

  // an authenticator that cannot verify its user: nothing added
  await remove(auth);
  auth = await add({ ...AUTH, isUserVerified: false });
  await register('No UV');
  await page.waitForSelector('[role="alert"]:not([hidden])');
  check(await rows() === 1, 'UV off: no passkey added');
  console.log('UV off: ' + await page.textContent('[role="alert"]'));
  await axe(page, 'UV off', check);
  await shot('uv-off');
  await remove(auth);

  // registration round trips (click -> row), each on a new authenticator
  const times = [];
  for (let i = 0; i < 5; i++) {
    auth = await add(AUTH);
    const before = await rows();
    const t0 = performance.now();
    await register(`Key ${i + 1}`);
    await page.waitForFunction((n) =>
      document.querySelectorAll('li.passkey').length === n, before + 1);
    times.push(performance.now() - t0);
    await remove(auth);
  }
  times.sort((a, b) => a - b);
  console.log(`registration round trip ms: ${times.map(Math.round)} ` +
    `p50 ${Math.round(times[2])} max ${Math.round(times[4])}`);

  // revoke the first made, which the list shows first
  const first = page.locator('li.passkey').first();
  check(/Test phone/.test(await first.innerText()),
    'the list in the order the passkeys were made');
  await first.locator('button').click();
  await page.waitForSelector('li.passkey[data-status="revoked"]');
  check((await page.textContent('main')).includes('is revoked'),
    'revoked and said so');
  await axe(page, 'revoked', check);
  await shot('revoked');
} catch (e) {
  check(false, `walk: ${e.message}`);
  if (page) await page.screenshot({ path: `${shotsDir()}/failure.png` })
    .catch(() => {});
}
await finish(browser, failures, 'passkeys.test.mjs');
