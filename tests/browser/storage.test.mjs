// The storage choices without a new token, each from the landing page
// to a certificate (issue 18), run by test_storage.py with the stack of
// test_retrieve.py: an existing token (epcs-hardware) and software
// (identity-software, the key in a software keystore on the doctor's
// computer).  Before each, the doctor has their own token or keystore,
// initialised with their own passcode (CONTROL_URL /own).  The wizard
// -> the mail's link -> approved by the decision rules -> the letter
// printed and shipped -> the retrieval page from the status page: no
// passcode to change, the key made, the certificate retrieved ->
// *Test my certificate* -> the certificate page (the key storage as the
// token client reported it) -> OCSP good.  axe and a screenshot at
// each step; time and clicks from the landing page to the certificate
// on the token printed for each.
import { adaFields, agentWalk, agentWindow, applyThrough, approvedThrough,
  checks, env, logIn, printWeights, retrieveThrough, shotsDir, startWizard,
  walker } from './lib.mjs';

const BASE = env('BASE_URL');
const PAY = env('PAY_URL');
const AGENT = env('AGENT_URL');
const CONTROL = env('CONTROL_URL');
const SHOTS = shotsDir();
const PASSWORD = 'correct horse battery';
const { failures, check } = checks();
const win = agentWindow(env('PINENTRY_SCRIPT'));

const CHOICES = [
  { product: 'epcs-hardware', storage: 'existing-token',
    email: 'ada.own@example.org', dob: '1975-12-10',
    label: 'Ada\'s token', pin: '246813',
    keystore: 'Reported by the token client: SoftHSM v2' },
  { product: 'identity-software', storage: 'software',
    email: 'ada.soft@example.org', dob: '1980-03-01',
    label: 'Ada software keystore', pin: 'my keystore passcode',
    keystore: 'Reported by the token client: SoftHSM v2' },
];

await agentWalk('storage', { check, failures }, { base: BASE, agent: AGENT,
  pay: PAY, shots: SHOTS }, async ({ page, shoot, weigh }) => {

  for (const o of CHOICES) {
    const w = walker(page, { check, shoot, control: CONTROL });
    const { step, ctl, follow, click, heading } = w;
    const login = () => logIn(page, o.email, PASSWORD, follow);
    // The doctor's own token or software keystore, before anything.
    await ctl(`/own?label=${encodeURIComponent(o.label)}&pin=` +
      encodeURIComponent(o.pin));

    // The landing page; the wizard with this product and storage.
    const t0 = Date.now();
    await weigh.open(BASE + '/', `landing (${o.storage})`);
    await startWizard(page, w);
    const { id, clicks } = await applyThrough(page, {
      product: o.product, storage: o.storage,
      fields: adaFields(o.email, o.dob,
        { prescriber: o.product === 'epcs-hardware' }),
      password: PASSWORD,
      card: ['4242 4242 4242 4242', '12', '2031', '123'] });
    w.clicks += clicks;
    await step(`${o.storage}-applied`);

    // The mail's link; the decision rules approve; the status page.
    await approvedThrough(page, w, weigh, check, { app: id, email: o.email,
      name: `verify-email-link (${o.storage})`, login });
    check(!/token\)/.test(await page.innerText('#main')),
      `${o.storage}: no token promised`);
    await step(`${o.storage}-status-approved`);

    // The letter (no token in it) printed and shipped.
    const kit = await ctl(`/ship?app=${id}`);
    check(kit.initial_passcode === null, `${o.storage}: no initial passcode`);

    // The retrieval page: no passcode to change, the key made in the
    // doctor's own token or keystore, the certificate retrieved.
    await follow('#retrieve-link');
    await page.waitForURL(`${BASE}/retrieve`);
    await page.waitForSelector('html[data-ready="true"]');
    let tokenAt = 0;
    let spentAt = 0;
    const serial = await retrieveThrough(page, w, win, {
      passcode: o.pin, code: kit.activation_code, password: PASSWORD,
      onStep: async (name) => {
        check(await page.locator('li[data-step="passcode"]').count() === 0,
          `${o.storage} ${name}: no passcode step in the progress`);
        if (name === 'keygen')
          check((await page.innerText('#main')).includes(o.label),
            `${o.storage}: the token named`);
        if (name === 'certificate-on-token') {
          tokenAt = Date.now();
          spentAt = w.spent;
          check(win.left().length === 0, `${o.storage}: every answer used`);
        }
        await step(`${o.storage}-${name}`);
      } });
    check(/^[0-9a-f]{32}$/.test(serial), `${o.storage}: serial ${serial}`);
    console.log(`MEASURE journey ${o.product}/${o.storage}: ` +
      `${tokenAt - t0 - spentAt} ms and ${w.clicks} clicks from the ` +
      'landing page to the certificate on the token (the user\'s time: ' +
      'axe, screenshots, the operators\' and the mail\'s part not ' +
      `counted; wall time ${tokenAt - t0} ms)`);

    // Test my certificate, on the same page.
    check(await heading() === 'Your certificate is on your token',
      `${o.storage}: ${await heading()}`);
    win.answers('yes', `pin ${o.pin}`);
    await click('Test my certificate');
    await page.waitForSelector('[data-test="passed"]');
    await step(`${o.storage}-tested`);

    // The certificate page from the status page.
    await weigh.open(BASE + '/status', `status (${o.storage})`);
    await login();
    await page.waitForSelector(`[data-serial="${serial}"]`);
    await follow(`[data-serial="${serial}"] h3 a`);
    await page.waitForSelector('#cert-serial');
    check(await page.innerText('#cert-status') === 'Valid',
      `${o.storage}: certificate page valid`);
    check(await page.innerText('#cert-key') === o.keystore,
      `${o.storage}: key storage ${await page.innerText('#cert-key')}`);
    await step(`${o.storage}-certificate-page`);

    // A relying party's view.
    check((await ctl(`/ocsp?serial=${serial}`)).status === 'good',
      `${o.storage}: OCSP`);
  }
  printWeights(weigh.weights);
});
