// Identity proofing at the OpenID provider from the portal, in Debian's
// Chromium (run by test_oidc.py, which verified the application's
// e-mail address): log in on /status -> "Verify with Reference ID" ->
// the reference provider's own sign-in page -> a test identity -> back
// on /status with the outcome -> log in again (the session lives in the
// tab's memory only) -> the status shows the approval.  axe-core and
// screenshots at 1280x800 and 390x844 on the portal's steps; the time
// from the button to the outcome printed.
import { axe, checks, env, finish, launch, openPage, shotsDir }
  from './lib.mjs';

const BASE = env('BASE_URL');
const OP = env('OP_URL');
const APP = env('APPLICATION');
const PASSWORD = env('PASSWORD');
const SHOTS = shotsDir();
const { failures, check } = checks({ verbose: true });

const browser = await launch();
try {
  // the portal and the provider: nothing else
  const { page, shoot } = await openPage(browser, check, { shots: SHOTS,
    allowed: (r) => r.url().startsWith(BASE + '/') ||
      r.url().startsWith(OP + '/') || r.url().startsWith('data:') });
  async function step(name) {
    await axe(page, name, check);
    await shoot(name);
  }
  async function logIn() {
    await page.getByLabel('E-mail address or application number').fill(APP);
    await page.getByLabel('Account password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('#app-status');
  }

  // 1. The status page after the e-mail verification: the button.
  await page.goto(`${BASE}/status`);
  await page.waitForSelector('html[data-ready="true"]');
  await logIn();
  check(await page.locator('#app-status').innerText() ===
    'Checking your identity', 'status: checking the identity');
  const button = page.getByRole('button', { name: 'Verify with Reference ID' });
  check(await button.count() === 1, 'the button "Verify with Reference ID"');
  await step('status-verify-button');

  // 2. The provider's own sign-in page (its HTML, on its origin).
  const t0 = Date.now();
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(OP + '/authorize?'));
  const url = new URL(page.url());
  check(url.searchParams.get('code_challenge_method') === 'S256' &&
    url.searchParams.get('response_type') === 'code',
  'the authorization request');
  check(await page.locator('h1').innerText() === 'Sign in as',
    'the provider\'s sign-in page');
  await page.screenshot({ path: `${SHOTS}/provider-sign-in.png` });

  // 3. Signed in as Ada at IAL2: back on the portal with the outcome,
  // and nothing but the outcome in the URL.
  await page.getByRole('link', { name: 'ada-ial2' }).click();
  await page.waitForURL((u) => u.href.startsWith(BASE + '/status'));
  await page.waitForSelector('html[data-ready="true"]');
  const back = new URL(page.url());
  check(back.search === '?oidc=approved', `back at ${back.pathname}${back.search}`);
  const note = await page.locator('#oidc-outcome').innerText();
  check(/confirmed your identity/.test(note), `the outcome shown: ${note}`);
  const ms = Date.now() - t0;
  await step('back-from-provider');

  // 4. Logged in again: approved.
  await logIn();
  const status = await page.locator('#app-status').innerText();
  check(status === 'Approved', `status after the sign-in: ${status}`);
  check(await page.getByRole('button',
    { name: 'Verify with Reference ID' }).count() === 0,
  'no button once proofed');
  check(/confirmed your identity/.test(
    await page.locator('[role="alert"]').first().innerText()),
  'the outcome shown with the status');
  await step('approved');
  console.log(JSON.stringify({ button_to_outcome_ms: ms }));
} catch (e) {
  check(false, `exception: ${e.stack || e}`);
}
await finish(browser, failures, 'oidc.test.mjs');
