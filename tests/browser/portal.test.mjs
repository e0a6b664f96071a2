// The portal in Debian's Chromium (docs/portal.md), run by test_portal.py
// with the stack up: landing -> apply (every step, every field error at
// its field, the voucher refused by the server, the card frame's errors,
// a declined card, a good card) -> "check your mail" -> verify-email (a
// typed code, a resend) -> the mail's link -> approved (by the decision
// rules, awaited over CONTROL_URL) -> status -> issued -> the
// certificate's page -> password reset -> the other products and storage
// choices, a voucher and an invitation link through the whole wizard
// (the one whose card's address does not match reviewed and approved by
// operators) -> the renewal window ->
// expiry and "apply again" from the prefill.  axe-core on every page; a
// screenshot of each step at 1280x800 and 390x844; page weight, requests
// and time to first render printed.
import { applyThrough, axe as axeRun, cardFrameRequest, checks, control,
  env, finish, launch, logIn, openPage, settleFrames, shotsDir, weigher }
  from './lib.mjs';

const BASE = env('BASE_URL');
const PAY = env('PAY_URL');
const CONTROL = env('CONTROL_URL');
const DAY = 86400000;

// What someone else does (test_portal.py): the mail's link, approval,
// issuance, the server's clock.
const ctl = (path) => control(CONTROL, path);
const SHOTS = shotsDir();
const { failures, check } = checks();

const browser = await launch();
const started = Date.now();
let page;
try {
  // Nothing from another origin but the payment provider's card frame
  // (another process, which lays itself out again for the screenshots).
  const made = await openPage(browser, check, { shots: SHOTS,
    settle: settleFrames, allowed: (r, p) => r.url().startsWith(BASE) ||
      cardFrameRequest(r, p, PAY) || r.url().startsWith('data:') });
  page = made.page;
  const { shoot } = made;

  // Per page load: requests, bytes (headers and bodies), first paint.
  const { open, weights } = weigher(page);

  const spent = { axe: 0, screenshots: 0 };
  async function axe(name) {
    const t0 = Date.now();
    await axeRun(page, name, check);
    spent.axe += Date.now() - t0;
  }

  let shot = 0;
  async function step(name) {
    const t0 = Date.now();
    shot = await shoot(name);
    spent.screenshots += Date.now() - t0;
  }

  // The error shown for the field called name: its text, tied to the
  // input by aria-describedby, and the input marked invalid.
  async function errorOf(root, name) {
    return page.evaluate(([r, n]) => {
      const wrap = document.querySelector(`${r} [data-field="${n}"]`);
      if (!wrap) return { missing: true };
      const input = wrap.querySelector('input, select, iframe');
      const err = wrap.querySelector(':scope > .error');
      const ids = (input.getAttribute('aria-describedby') || '').split(' ');
      return { text: err.textContent, tied: ids.includes(err.id),
        invalid: input.getAttribute('aria-invalid') === 'true' };
    }, [root, name]);
  }
  async function expectError(root, name, want) {
    const e = await errorOf(root, name);
    const ok = !e.missing && e.tied && e.invalid &&
      (want instanceof RegExp ? want.test(e.text) : e.text === want);
    check(ok, `${name}: expected "${want}" at the field, got ` +
      JSON.stringify(e));
  }
  async function expectNoError(root, name) {
    const e = await errorOf(root, name);
    check(!e.missing && e.text === '' && !e.invalid,
      `${name}: expected no error, got ${JSON.stringify(e)}`);
  }
  const fill = (name, value) =>
    page.locator(`[name="${name}"]`).fill(value);

  // 1. Landing, reached by the link of a partner's invitation (made
  // through the partner API, read from the mail): the program and the
  // invitation go with the application.
  const EMAIL = 'ada.portal@portal.example.org';
  const invited = (await ctl(`/invite?email=${encodeURIComponent(EMAIL)}`))
    .link.replace('/apply?', '/?');
  await open(invited, 'landing');
  check(await page.locator('.card').count() >= 2, 'landing: products shown');
  check(/\$109\.00/.test(await page.locator('.products').innerText()),
    'landing: the EPCS price');
  await axe('landing');
  await step('landing');

  // 2. Apply, step 1: the certificate, the live quote, the voucher.
  await page.click('#start');
  await page.waitForSelector('html[data-ready="true"]');
  check(await page.inputValue('[name="program"]') === 'acme-ehr',
    'apply: program prefilled from the invitation link');
  await page.waitForFunction(() =>
    document.querySelector('#quote-total')?.textContent === '$177.00');
  await axe('apply');
  await step('apply-certificate');
  await fill('voucher', 'AB');
  await page.locator('[name="voucher"]').blur();
  await expectError('#apply', 'voucher',
    'must be 4 to 64 letters, digits or hyphens');
  await fill('voucher', 'NOPE-1234');
  await page.waitForFunction(() => document.querySelector(
    '[data-field="voucher"] .error').textContent.length > 0 &&
    !/4 to 64/.test(document.querySelector(
      '[data-field="voucher"] .error').textContent));
  const voucherErr = await errorOf('#apply', 'voucher');
  console.log(`the server's voucher error at its field: ${voucherErr.text}`);
  await expectError('#apply', 'voucher', /./);
  await step('apply-voucher-refused');
  await fill('voucher', '');
  await page.waitForFunction(() => document.querySelector(
    '[data-field="voucher"] .error').textContent === '');
  await page.click('button[type="submit"]');

  // Step 2: your information.  Next with nothing: every required field.
  await page.waitForSelector('[data-step="1"]:not([hidden])');
  await page.click('button[type="submit"]');
  for (const n of ['applicant.given_name', 'applicant.family_name',
    'applicant.date_of_birth', 'applicant.email', 'applicant.phone',
    'applicant.home_address.line1', 'applicant.home_address.city',
    'applicant.home_address.state', 'applicant.home_address.postal_code',
    'applicant.ssn_last4'])
    await expectError('#apply', n, 'is required');
  for (const n of ['applicant.npi', 'applicant.dea_number'])
    await expectError('#apply', n, 'is required for an EPCS certificate');
  await expectNoError('#apply', 'applicant.middle_name');
  check(await page.evaluate(() => document.activeElement.name) ===
    'applicant.given_name', 'the first field in error has the focus');
  await step('apply-required');
  await axe('apply, fields in error');
  const wrong = {
    'applicant.given_name': ['Ada1', 'must hold letters, spaces, ' +
      'apostrophes, hyphens or periods only'],
    'applicant.family_name': ['Lovelace', null],
    'applicant.date_of_birth': ['2015-06-01',
      'the applicant must be at least 18 years old'],
    'applicant.email': ['ada@example', 'must be a valid e-mail address'],
    'applicant.phone': ['+1317555', 'must be an E.164 number, e.g. ' +
      '+13175550100'],
    'applicant.home_address.state': ['XX', 'must be a USPS state code'],
    'applicant.home_address.postal_code': ['4620',
      'must be a ZIP code: 12345 or 12345-6789'],
    'applicant.home_address.country': ['us',
      'must be two upper-case letters (ISO 3166-1)'],
    'applicant.npi': ['1234567890',
      'must be a 10-digit NPI with a valid check digit'],
    'applicant.dea_number': ['AB1234563', 'must be a DEA number whose ' +
      "second letter is the family name's initial, with a valid check digit"],
    'applicant.ssn_last4': ['12a4', 'must be exactly 4 digits'],
  };
  for (const [n, [v, msg]] of Object.entries(wrong)) {
    await fill(n, v);
    if (msg) await expectError('#apply', n, msg);
  }
  await step('apply-field-errors');
  // As typed: each fix clears its error at once.
  const right = {
    'applicant.given_name': 'Ada', 'applicant.date_of_birth': '1975-12-10',
    'applicant.email': 'ada.portal@portal.example.org',
    'applicant.phone': '+13175550100',
    'applicant.home_address.line1': '1 Main St',
    'applicant.home_address.city': 'Indianapolis',
    'applicant.home_address.country': 'US',
    'applicant.home_address.state': 'IN',
    'applicant.home_address.postal_code': '46204',
    'applicant.npi': '1234567893', 'applicant.dea_number': 'AL1234563',
    'applicant.ssn_last4': '1234',
  };
  for (const [n, v] of Object.entries(right)) {
    await fill(n, v);
    await expectNoError('#apply', n);
  }
  await page.click('button[type="submit"]');

  // Step 3: the account.
  await page.waitForSelector('[data-step="2"]:not([hidden])');
  await fill('account.password', 'password');
  await page.locator('[name="account.password"]').blur();
  await expectError('#apply', 'account.password',
    'is too common; choose another');
  await fill('account.password', 'ada.portal');
  await expectError('#apply', 'account.password',
    'must not be your e-mail address');
  await fill('account.password', 'correct horse battery');
  await fill('account.password_again', 'correct horse');
  await page.locator('[name="account.password_again"]').blur();
  await expectError('#apply', 'account.password_again',
    'must be the same password again');
  await fill('account.password_again', 'correct horse battery');
  const qa = [['First pet?', 'Rex'], ['first  PET?', 'Elm'],
    ['Favourite aunt?', 'Jo']];
  for (let i = 0; i < 3; i++) {
    await fill(`account.secret_questions[${i}].question`, qa[i][0]);
    await fill(`account.secret_questions[${i}].answer`, qa[i][1]);
  }
  await page.click('button[type="submit"]');
  await expectError('#apply', 'account.secret_questions[1].question',
    'must differ from the other questions');
  await step('apply-account-errors');
  await fill('account.secret_questions[1].question', 'First school?');
  await expectNoError('#apply', 'account.secret_questions[1].question');
  await page.click('button[type="submit"]');

  // Step 4: the agreement (the server's, versioned) and the cards, typed
  // into the payment provider's frame.
  await page.waitForSelector('[data-step="3"]:not([hidden])');
  check(await page.getAttribute('#agreement-text', 'data-version') ===
    '2026-01', 'apply: the agreement version from the server');
  check(/passport or a driver's license/.test(
    await page.innerText('#agreement-text')),
  'apply: the agreement text from the server');
  await page.check('[name="subscriber_agreement.accepted"]');
  await expectNoError('#apply', 'subscriber_agreement.accepted');
  await page.uncheck('[name="subscriber_agreement.accepted"]');
  await expectError('#apply', 'subscriber_agreement.accepted',
    'must be true');
  await page.check('[name="subscriber_agreement.accepted"]');
  check(await page.locator('#quote-final #quote-total').innerText() ===
    '$177.00', 'apply: the final price');
  const card = page.frameLocator('#f-payment-card-token');
  await card.locator('#number').waitFor();
  await settleFrames(page); // the frame's size settles
  await axe('apply, agreement');
  await step('apply-agreement-payment');
  const submit = () => page.click('#apply button[type="submit"]');
  // Nothing typed: the frame's errors, and the page's at the card (once
  // the frame has answered the page, which is not at once).
  await submit();
  await page.waitForFunction(() => document.querySelector(
    '[data-field="payment.card_token"] > .error').textContent !== '');
  await expectError('#apply', 'payment.card_token', 'Check the card details.');
  check(await card.locator('#number-error').innerText() ===
    'Enter the 12 to 19 digits of the card number.', 'card: number needed');
  check(await card.locator('#number').getAttribute('aria-invalid') === 'true',
    'card: the number marked invalid');
  await card.locator('#number').fill('4242 4242 4242 4241');
  check(await card.locator('#number-error').innerText() ===
    'This card number is not valid; check it.', 'card: the check digit');
  await card.locator('#exp_month').fill('12');
  await card.locator('#exp_year').fill('2031');
  await card.locator('#cvc').fill('12');
  await submit();
  check(await card.locator('#cvc-error').innerText() ===
    'Enter the 3-digit security code.', 'card: the security code');
  await step('apply-card-errors');
  await card.locator('#cvc').fill('123');
  // A declined card: the payment service declines it through rxca, and
  // the page says so at the card.
  await card.locator('#number').fill('4000 0000 0000 0002');
  await submit();
  await page.waitForFunction(() => /declined/.test(document.querySelector(
    '[data-field="payment.card_token"] > .error').textContent));
  await expectError('#apply', 'payment.card_token', /declined/);
  check(/declined; nothing was charged/.test(
    await page.innerText('#main .alert[role="alert"]')),
  'apply: the decline said');
  // The card frame has the focus and is on screen (a cross-origin frame
  // off screen is not painted, and the screenshot showed it blank).
  check(await page.evaluate(() => {
    const f = document.getElementById('f-payment-card-token');
    const r = f.getBoundingClientRect();
    return document.activeElement === f && r.top >= 0 &&
      r.bottom <= window.innerHeight;
  }), 'apply: the declined card in view, focused');
  await step('apply-card-declined');
  // A good card: the application goes, with the tokens only.
  await card.locator('#number').fill('4242 4242 4242 4242');
  await submit();
  await page.waitForSelector('#sent-to');
  const PASSWORD = 'correct horse battery';
  const appId = await page.innerText('#app-id');
  check(/^app_/.test(appId), `apply: the application number ${appId}`);
  check(await page.innerText('#sent-to') === EMAIL, 'apply: check your mail');
  await axe('check your mail');
  await step('apply-sent');

  // 3. Verify by typing the code, on the application made by the test;
  // ask a new one.
  const resendId = env('RESEND_APP_ID');
  await open(`${BASE}/verify-email?application=${resendId}`, 'verify-email');
  await fill('code', 'ABC');
  await page.click('#verify button[type="submit"]');
  await expectError('#verify', 'code',
    'a code has 10 letters and digits, like ABCDE-12345');
  await fill('code', 'ZZZZZ-ZZZZZ');
  await page.click('#verify button[type="submit"]');
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-field="code"] .error').textContent;
    return t !== '' && !/10 letters/.test(t);
  });
  await expectError('#verify', 'code', /./);
  console.log('the server\'s code error at its field: ' +
    (await errorOf('#verify', 'code')).text);
  await axe('verify-email');
  await step('verify-code-refused');
  await fill('password', 'not the password');
  await page.click('#resend button[type="submit"]');
  await page.waitForFunction(() => document.querySelector(
    '#resend [data-field="password"] .error').textContent !== '');
  await expectError('#resend', 'password',
    'The application number or the password is wrong.');
  await fill('password', env('RESEND_PASSWORD'));
  await page.click('#resend button[type="submit"]');
  await page.waitForSelector('#resend .alert.ok');
  await step('verify-resent');

  // 4. The mail's link verifies at once; the decision rules approve
  // (nobody reviewed it).
  const { link } = await ctl(`/link?email=${encodeURIComponent(EMAIL)}`);
  await open(link, 'verify-email-link');
  await page.waitForSelector('text=Your e-mail address is verified');
  await axe('verified');
  await step('verified');
  check((await ctl(`/checked?app=${appId}`)).status === 'approved',
    'the decision rules approved');

  // 5. Status: log in, see the status, what happens next, the timeline.
  async function login(email, password, shown = '#app-status') {
    await logIn(page, email, password);
    await page.waitForSelector(shown);
  }
  await page.click('text=See the status of your application');
  await logIn(page, EMAIL, 'wrong password');
  await page.waitForSelector('.alert.error');
  await step('status-login-refused');
  await login(EMAIL, PASSWORD);
  check(await page.innerText('#app-id') === appId, 'status: the id');
  check(await page.innerText('#app-status') === 'Approved',
    `status: approved, got "${await page.innerText('#app-status')}"`);
  check(await page.locator('.timeline li').count() >= 3, 'status: timeline');
  check(await page.getAttribute('#retrieve-link', 'href') === '/retrieve',
    'status: the way to the retrieval page');
  check(await page.evaluate(() => Object.keys(localStorage).length +
    Object.keys(sessionStorage).length + document.cookie.length) === 0,
  'the session is in memory only');
  await axe('status');
  await step('status-approved');
  // Proofed: the way to the passkey page, followed with the same session.
  check(await page.innerText('#passkeys-link') === 'Add a passkey',
    'status: the way to the passkey page');
  await page.click('#passkeys-link');
  await page.waitForSelector('#register');
  check(await page.innerText('h1') === 'Your passkeys',
    'passkeys: reached from the status, no second log-in');

  // 6. Issued (the kit shipped, the certificate retrieved): the status
  // lists it; its page; Test my certificate goes to /retrieve.
  const issued = await ctl(`/issue?app=${appId}&password=` +
    encodeURIComponent(PASSWORD));
  const serial = issued.serial;
  await page.click('header nav a[href="/status"]');
  await page.waitForSelector(`[data-serial="${serial}"]`);
  check(await page.innerText(`[data-serial="${serial}"] .cert-status`) ===
    'Valid', 'status: the certificate valid');
  check(await page.getAttribute(`[data-serial="${serial}"] .test-cert`,
    'href') === `/retrieve?test=${serial}`, 'status: Test my certificate');
  check(/You can renew from/.test(await page.innerText(
    `[data-serial="${serial}"] .renewal`)), 'status: the renewal window');
  await axe('status, issued');
  await step('status-issued');
  await page.click(`[data-serial="${serial}"] h3 a`);
  await page.waitForSelector('#cert-serial');
  check(await page.innerText('#cert-serial') === serial, 'certificate: serial');
  check(await page.innerText('#cert-status') === 'Valid',
    'certificate: status');
  check(await page.getAttribute('#test-cert', 'href') ===
    `/retrieve?test=${serial}`, 'certificate: Test my certificate');
  await axe('certificate');
  await step('certificate');

  // 7. Password reset with the letter's activation code and the answers.
  await page.click('text=Back to your application');
  await page.waitForSelector('#app-status');
  await page.click('text=Reset your password');
  await page.waitForSelector('#reset');
  await page.click('#reset button[type="submit"]');
  for (const n of ['activation_code', 'answers[0]', 'answers[1]',
    'answers[2]', 'new_password'])
    await expectError('#reset', n, 'is required');
  await axe('reset-password');
  await step('reset-required');
  const NEW_PASSWORD = 'a brand new passphrase';
  await fill('activation_code', issued.activation_code);
  await fill('answers[0]', 'Rex');
  await fill('answers[1]', 'Elm');
  await fill('answers[2]', 'not the answer');
  await fill('new_password', NEW_PASSWORD);
  await fill('new_password_again', NEW_PASSWORD);
  await page.click('#reset button[type="submit"]');
  await page.waitForSelector('#main .alert.error');
  check(/do not match/.test(await page.innerText('#main .alert.error')),
    'reset: wrong answers refused');
  await step('reset-refused');
  await fill('answers[2]', 'Jo');
  await page.click('#reset button[type="submit"]');
  await page.waitForSelector('text=Your password is changed');
  await step('reset-done');

  // 8. Every product and storage choice through the wizard, with a
  // voucher and from an invitation link: card, mail link, approved.
  async function applyVia(url, o) {
    await open(url, `apply (${o.storage})`);
    await page.check(`[name="product"][value="${o.product}"]`);
    if (o.voucher) {
      await fill('voucher', o.voucher);
      // the quote with the voucher (not the one of the product change)
      await page.waitForFunction((t) => document.querySelector(
        '#quote-total').textContent === t, o.total);
      check(/Voucher/i.test(await page.innerText('#quote')),
        'voucher: a line of the quote');
    }
    const fields = { ...right, 'applicant.family_name': 'Lovelace',
      'applicant.email': o.email,
      'applicant.date_of_birth': o.dob };
    if (o.product !== 'epcs-hardware') {
      delete fields['applicant.npi'];
      delete fields['applicant.dea_number'];
    } else if (o.npi) {
      fields['applicant.npi'] = o.npi;
      fields['applicant.dea_number'] = o.dea;
    }
    const { id } = await applyThrough(page, { product: o.product,
      storage: o.storage, fields, password: PASSWORD,
      card: ['5555 5555 5555 4444', '1', '2030', '321'],
      avsCard: o.otherCard ? ['4242424242424242', '2', '2031', '999'] :
        null });
    const { link: l } = await ctl(`/link?email=${encodeURIComponent(o.email)}`);
    await open(l, 'verify-email-link');
    await page.waitForSelector('text=Your e-mail address is verified');
    const password = o.beforeApproval ? await o.beforeApproval(id) :
      PASSWORD;
    if (o.review) {
      // Not clean (o.review says why): a person reviews it, and the
      // status page says so; then two reviewers approve.
      check((await ctl(`/checked?app=${id}`)).status === 'review',
        `${o.storage}: in review`);
      await open(`${BASE}/status`, 'status');
      await login(o.email, password);
      check(await page.innerText('#app-status') ===
        'A person is reviewing your application', `${o.storage}: review`);
      await step(`status-review-${o.storage}`);
      check((await ctl(`/review?app=${id}`)).status === 'approved',
        `${o.storage}: approved by the reviewers`);
    } else {
      check((await ctl(`/checked?app=${id}`)).status === 'approved',
        `${o.storage}: approved by the decision rules`);
    }
    await open(`${BASE}/status`, 'status');
    await login(o.email, password);
    check(await page.innerText('#app-status') === 'Approved',
      `${o.storage}: status approved`);
    await step(`status-${o.storage}`);
    return id;
  }
  const grace = 'grace.sw@portal.example.org';
  await applyVia(`${BASE}/apply?voucher=`, {
    product: 'identity-software', storage: 'software', email: grace,
    dob: '1980-03-01', voucher: env('VOUCHER'), total: '$79.00',
    // the one card, billed to another address than the home address
    review: 'the card\'s address does not match',
    // A forgotten password before any letter (no kit yet): a reset code
    // by mail, whose link opens the page with the application and the
    // code filled in.
    beforeApproval: async (graceId) => {
      await open(`${BASE}/reset-password?application=${graceId}`, 'reset');
      await page.check('[name="with"][value="mail"]');
      await page.click('#send-reset-code');
      await page.waitForSelector('#main .alert.ok');
      const { link: resetLink } = await ctl('/reset-link?email=' +
        encodeURIComponent(grace));
      await open(resetLink, 'reset-password-link');
      check(await page.isChecked('[name="with"][value="mail"]'),
        'reset link: the mailed code chosen');
      check(await page.inputValue('[name="application_id"]') === graceId,
        'reset link: the application filled in');
      check(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/.test(
        await page.inputValue('[name="reset_code"]')),
      'reset link: the code filled in');
      for (let i = 0; i < 3; i++) await fill(`answers[${i}]`, `answer ${i}`);
      await fill('new_password', NEW_PASSWORD);
      await fill('new_password_again', NEW_PASSWORD);
      await axe('reset-password from the mail');
      await step('reset-from-mail');
      await page.click('#reset button[type="submit"]');
      await page.waitForSelector('text=Your password is changed');
      return NEW_PASSWORD;
    } });


  await applyVia((await ctl('/invite?email=' +
    encodeURIComponent('ada.token@portal.example.org'))).link, {
    product: 'epcs-hardware', storage: 'existing-token',
    email: 'ada.token@portal.example.org', dob: '1980-03-02',
    // a twin with an NPI and DEA number of her own (not a duplicate)
    npi: '5000000013', dea: 'AL5000017', otherCard: true });

  // 9. The renewal window (the server's clock, which decides it, and the
  // browser's 30 days before expiry).
  const notAfter = Date.parse(issued.not_after);
  await ctl(`/clock?offset=${Math.floor((notAfter - 30 * DAY -
    Date.now()) / 1000)}`);
  await page.clock.setFixedTime(new Date(notAfter - 30 * DAY));
  await open(`${BASE}/status`, 'status');
  await login(EMAIL, NEW_PASSWORD);
  check(await page.innerText(`[data-serial="${serial}"] .cert-status`) ===
    'Valid: renew it now', 'status: inside the renewal window');
  check(await page.innerText(`[data-serial="${serial}"] .renew-command`) ===
    'rxca-token renew', 'status: how to renew with the token');
  await step('status-renewal-window');

  // 10. Expired (the server's clock and the browser's a day after):
  // apply again from the prefill.
  await ctl(`/clock?offset=${Math.ceil((notAfter - Date.now()) / 1000) +
    86400}`);
  // The certificate page by the server's clock, though the browser's
  // still says 30 days before the end.
  await open(`${BASE}/certificate?serial=${serial}`, 'certificate');
  await login(EMAIL, NEW_PASSWORD, '#cert-status');
  check(await page.innerText('#cert-status') === 'Expired',
    'certificate page: expired by the server\'s clock');
  check(await page.locator('#test-cert').count() === 0,
    'certificate page: no test of an expired certificate');
  await step('certificate-expired');
  await page.clock.setFixedTime(new Date(notAfter + DAY));
  await open(`${BASE}/status`, 'status');
  await login(EMAIL, NEW_PASSWORD);
  check(await page.innerText(`[data-serial="${serial}"] .cert-status`) ===
    'Expired', 'status: expired');
  await step('status-expired');
  await page.click('#apply-again');
  await page.waitForSelector('[data-step="0"]:not([hidden])');
  await page.waitForSelector('html[data-ready="true"]');
  check(await page.inputValue('[name="applicant.given_name"]') === 'Ada',
    'apply again: prefilled');
  check(await page.inputValue('[name="applicant.email"]') === EMAIL,
    'apply again: the e-mail address');
  check(await page.isChecked('[name="storage"][value="existing-token"]'),
    'apply again: the existing token');
  await axe('apply again');
  await step('apply-again');
  await ctl('/clock?offset=0');

  // Each page once more, cold (a new context: an empty cache), for its
  // weight: what a doctor's first visit loads.
  const cold = [];
  for (const [name, path] of [['landing', '/'], ['apply', '/apply'],
    ['verify-email', `/verify-email?application=${resendId}`],
    ['status', '/status'], ['reset-password', '/reset-password']]) {
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    const cw = weigher(p);
    await cw.open(BASE + path, name, { idle: true });
    cold.push(cw.weights[0]);
    await ctx.close();
  }
  console.log('each page cold (empty cache): bytes incl. headers, ' +
    'requests, first paint, ready:');
  for (const w of cold)
    console.log(`  ${w.page.padEnd(18)} ${String(w.bytes).padStart(7)} B ` +
      `${String(w.requests).padStart(3)} requests  first paint ` +
      `${w.first_paint_ms} ms  ready ${w.ready_ms} ms`);
  console.log('in the walk (a warm cache):');
  for (const w of weights)
    console.log(`  ${w.page.padEnd(18)} ${String(w.bytes).padStart(7)} B ` +
      `${String(w.requests).padStart(3)} requests  first paint ` +
      `${w.first_paint_ms} ms  ready ${w.ready_ms} ms`);
  console.log(`axe ${spent.axe} ms, screenshots ${spent.screenshots} ms`);
  console.log(`walk: ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
    `${shot * 2} screenshots in ${SHOTS}`);
} catch (e) {
  failures.push(e.stack || String(e));
  console.error(e);
  if (page) await page.screenshot({ path: `${SHOTS}/failure.png`,
    fullPage: true }).catch(() => {});
}
await finish(browser, failures, 'portal');
