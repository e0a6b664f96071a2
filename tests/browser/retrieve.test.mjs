// The applicant's whole journey in Debian's Chromium (issue 18), run by
// test_retrieve.py with the stack up and the real token agent: the
// landing page -> the wizard (the card typed into the payment
// provider's frame) -> the mail's link -> the status page, approved by
// the decision rules -> (the kit printed and shipped by operators, its
// token provisioned: CONTROL_URL) -> the retrieval page: the agent not
// running, the passcode changed at the agent's scripted pinentry, the
// key pair, a reload (resumes at the retrieval), field errors, a
// signature the user refuses, the retrieval, a reload (the same
// certificate) -> the status page -> the certificate page -> *Test my
// certificate* (/retrieve?test=<serial>; another serial is refused).
// axe-core on every step; a screenshot of each at 1280x800 and 390x844;
// time and clicks from the landing page to the certificate on the
// token, page weight, requests and first paint printed.
import { adaFields, agentWalk, agentWindow, applyThrough, approvedThrough,
  checks, env, logIn, printWeights, retrieveThrough, shotsDir, startWizard,
  walker } from './lib.mjs';

const BASE = env('BASE_URL');
const PAY = env('PAY_URL');
const AGENT = env('AGENT_URL');
const CONTROL = env('CONTROL_URL');
const SCRIPT = env('PINENTRY_SCRIPT');
const SHOTS = shotsDir();
const NEW = env('NEW_PASSCODE');
const EMAIL = 'ada.journey@example.org';
const PASSWORD = 'correct horse battery';
const { failures, check } = checks();

// What the user answers at the agent's next windows.
const win = agentWindow(SCRIPT);
const { answers, left } = win;

await agentWalk('retrieve', { check, failures }, { base: BASE, agent: AGENT,
  pay: PAY, shots: SHOTS }, async ({ page, shoot, weigh }) => {
  const weights = weigh.weights;
  const open = (name, path = '/retrieve') => weigh.open(BASE + path, name);
  // Not the user's time: axe and screenshots, the checks off the
  // straight path (detours), and what others do (operators, the mail).
  const w = walker(page, { check, shoot, control: CONTROL });
  const { step, aside, ctl, click, follow, until, heading } = w;
  const login = () => logIn(page, EMAIL, PASSWORD, follow);

  // 0. The retrieval page with the agent not answering (its requests
  // fail): what to install.  Before the journey, not counted.
  await page.route(`${AGENT}/**`, (r) => r.abort('connectionrefused'));
  await open('not-running');
  check(await heading() === 'Start the rxca token program',
    `not running: ${await heading()}`);
  await step('agent-not-running');
  await page.unroute(`${AGENT}/**`);

  // 1. The landing page; the wizard with good data and a good card.
  const t0 = Date.now();
  await open('landing', '/');
  await step('landing');
  await startWizard(page, w);
  const { id: appId, clicks: wizardClicks } = await applyThrough(page, {
    product: 'epcs-hardware', storage: 'new-token',
    fields: adaFields(EMAIL, '1975-12-10'), password: PASSWORD, card: ['4242 4242 4242 4242', '12', '2031', '123'] });
  w.clicks += wizardClicks;
  check(/^app_/.test(appId), `the application number: ${appId}`);
  await step('applied');

  // 2. The mail's link (a click in the mail), then the identity check
  // decides by itself: approved, nobody reviewed it.
  await approvedThrough(page, w, weigh, check, { app: appId, email: EMAIL,
    name: 'verify-email-link', login });
  await step('status-approved');

  // 3. Operators print and ship the kit; the letter and the token come.
  const kit = await ctl(`/ship?app=${appId}`);

  // The detours at the retrieval step, off the user's straight path.
  async function detours() {
    // 6. Reloaded after the key generation: the page continues there.
    await aside(async () => {
      await open('retrieve-reloaded');
      check(await heading() === 'Retrieve your certificate',
        `reloaded after keygen: ${await heading()}`);
      check(await page.locator('li[aria-current="step"]').innerText() ===
        'Retrieve your certificate', 'progress: the retrieval is current');
    });

    // 7. Field errors at their fields; a signature refused at the agent's
    // window (nothing signed).
    await aside(async () => {
      await click('Retrieve my certificate');
      for (const [name, want] of [['activation_code', 'Type the ' +
        'activation code from your letter.'], ['password',
        'Type your account password.']]) {
        const e = await page.evaluate((n) => {
          const wrap = document.querySelector(`[data-field="${n}"]`);
          const i = wrap.querySelector('input');
          const err = wrap.querySelector('.error');
          return { text: err.textContent, invalid: i.getAttribute(
            'aria-invalid'), tied: i.getAttribute('aria-describedby')
            .split(' ').includes(err.id) };
        }, name);
        check(e.text === want && e.invalid === 'true' && e.tied,
          `${name}: ${JSON.stringify(e)}`);
      }
      await step('retrieve-field-errors');
      await page.locator('[name="activation_code"]').fill(
        kit.activation_code.toLowerCase());
      await page.locator('[name="password"]').fill(PASSWORD);
      answers('no', `pin ${NEW}`);
      await click('Retrieve my certificate');
      await page.waitForSelector('.alert.error:not([hidden])');
      const refused = await page.locator('.alert.error').innerText();
      check(/not confirmed/.test(refused), `refused: ${refused}`);
      check(left().length === 1, 'refused: the passcode was not asked');
      await step('retrieve-refused');
    });
  }

  // 4. The retrieval page from the status page: the passcode changed at
  // the agent's window, never in the page; the key pair; the retrieval
  // (after the detours), confirmed: the certificate on the token.
  await follow('#retrieve-link');
  await page.waitForURL(`${BASE}/retrieve`);
  await page.waitForSelector('html[data-ready="true"]');
  let tokenAt = 0;
  let spentAt = 0;
  const serial = await retrieveThrough(page, w, win, {
    initial: kit.initial_passcode, passcode: NEW,
    code: kit.activation_code, password: PASSWORD,
    onStep: async (name) => {
      if (name === 'passcode') {
        check(await heading() === 'Change your token passcode',
          `passcode: ${await heading()}`);
      } else if (name === 'keygen') {
        check(left().length === 0, 'passcode: every answer used');
        check(!(await page.content()).includes(NEW), 'passcode in the page');
        check(await page.locator('li[data-step="passcode"].done').count() ===
          1, 'progress: the kit token\'s passcode changed');
      } else if (name === 'retrieve') {
        await step(name);
        await detours();
        return;
      } else if (name === 'certificate-on-token') {
        tokenAt = Date.now();
        spentAt = w.spent;
      }
      await step(name);
    } });
  const wallToToken = tokenAt - t0;
  const toToken = wallToToken - spentAt;
  const clicksToToken = w.clicks - w.detourClicks;
  check(/^[0-9a-f]{32}$/.test(serial), `serial: ${serial}`);

  // 9. Reloaded after issuance: the same certificate.
  await open('certificate-reloaded');
  check(await page.locator('[data-serial]').innerText() === serial,
    'reloaded after issuance: the same certificate');

  // 10. /retrieve?test= for a certificate this token does not hold.
  const other = serial.replace(/^./, (c) => c === '0' ? '1' : '0');
  await open('test-other', `/retrieve?test=${other}`);
  check(await heading() === 'This token does not hold that certificate',
    `test of another serial: ${await heading()}`);
  check(await page.innerText('[data-wanted]') === other,
    'test of another serial: the serial asked for shown');
  check(await page.getByRole('button', { name: 'Test my certificate' })
    .count() === 0, 'test of another serial: no test offered');
  await step('test-other-certificate');

  // 11. The status page lists it; its page; Test my certificate there.
  await open('status', '/status');
  await login();
  await page.waitForSelector(`[data-serial="${serial}"]`);
  // (80-day certificates here: inside the renewal window at once)
  check(await page.innerText(`[data-serial="${serial}"] .cert-status`) ===
    'Valid: renew it now', 'status: the certificate valid, renewable');
  await step('status-issued');
  await follow(`[data-serial="${serial}"] h3 a`);
  await page.waitForSelector('#cert-serial');
  check(await page.innerText('#cert-status') === 'Valid',
    'certificate page: valid');
  await step('certificate-page');

  // 12. Test my certificate from the certificate page.
  await follow('#test-cert');
  await page.waitForURL(`${BASE}/retrieve?test=${serial}`);
  await page.waitForSelector('html[data-ready="true"]');
  check(await heading() === 'Your certificate is on your token',
    `test: ${await heading()}`);
  await page.locator('[name="password"]').fill(PASSWORD);
  answers('yes', `pin ${NEW}`);
  await click('Test my certificate');
  await page.waitForSelector('[data-test="passed"]');
  await step('tested');

  // 13. Renewal inside the window, from the status page: refused once at
  // the agent's window (nothing made), then confirmed.
  await open('status', '/status');
  await login();
  await page.waitForSelector(`[data-serial="${serial}"] .renew-link`);
  await follow(`[data-serial="${serial}"] .renew-link`);
  await page.waitForURL(`${BASE}/retrieve?renew=${serial}`);
  await page.waitForSelector('html[data-ready="true"]');
  check(await heading() === 'Renew your certificate',
    `renew: ${await heading()}`);
  await step('renew');
  await page.locator('[name="password"]').fill(PASSWORD);
  answers('no', `pin ${NEW}`);
  await click('Renew my certificate');
  await page.waitForSelector('.alert.error:not([hidden])');
  check(/not confirmed/.test(await page.locator('.alert.error').innerText()),
    'renew: refused at the agent\'s window');
  check(left().length === 1, 'renew refused: the passcode was not asked');
  answers('yes', `pin ${NEW}`);
  const r0 = Date.now();
  await click('Renew my certificate');
  await until('Your certificate is renewed');
  const renewMs = Date.now() - r0;
  const renewedSerial = await page.locator('[data-serial]').innerText();
  check(/^[0-9a-f]{32}$/.test(renewedSerial) && renewedSerial !== serial,
    `renewed: ${renewedSerial}`);
  check(await page.getAttribute('[data-renewed]', 'data-renewed') === serial,
    'renewed: the certificate it renews named');
  await step('renewed');
  console.log(`MEASURE renewal: ${renewMs} ms from the click to the ` +
    'renewed certificate on the token (key, request, server, store)');

  // 14. Applied again (a second application, approved, its letter
  // shipped): its activation code onto this token, which holds the
  // first's certificates, from the retrieval page's link.  The token
  // makes a new key; the new certificate is the one in use.
  const again = await ctl('/again');
  await open('retrieve-again');
  check(await heading() === 'Your certificate is on your token',
    `again: ${await heading()}`);
  await follow('[data-new]');
  await page.waitForURL(`${BASE}/retrieve?new`);
  await page.waitForSelector('html[data-ready="true"]');
  check(await heading() === 'Retrieve your new certificate',
    `again, the form: ${await heading()}`);
  check(await page.innerText('main code') === renewedSerial,
    'again: the certificate the token holds named');
  await step('retrieve-new');
  await page.locator('[name="activation_code"]').fill(again.activation_code);
  await page.locator('[name="password"]').fill(again.password);
  answers('yes', `pin ${NEW}`);
  await click('Retrieve my certificate');
  await until('Your certificate is on your token');
  const newSerial = await page.locator('[data-serial]').innerText();
  check(/^[0-9a-f]{32}$/.test(newSerial) && newSerial !== serial &&
    newSerial !== renewedSerial, `again: the new certificate ${newSerial}`);
  check(left().length === 0, 'again: every answer used');
  await step('retrieved-new');

  console.log(`MEASURE journey: ${toToken} ms and ${clicksToToken} clicks ` +
    'from the landing page to the certificate on the token (the user\'s ' +
    'time: axe, screenshots, the operators\' and the mail\'s part and ' +
    'the detours (a reload, field errors, a refused signature: ' +
    `${w.detourClicks} clicks) not counted; the scripted pinentry answers ` +
    'at once)');
  console.log(`MEASURE journey wall time to the token: ${wallToToken} ms`);
  printWeights(weights);
});
