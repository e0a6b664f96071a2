// The operator console in Debian's Chromium (docs/console.md), run by
// test_console.py with the stack up.  Each operator is a browser context
// holding their client certificate (playwright's clientCertificates).
//   2. ray (revoker): search by a typo'd name -> the application; the
//      review case offers no approve button and the API refuses it; then,
//      measured: dashboard -> search by e-mail -> the serial -> revoke ->
//      confirm naming the person; the page's own OCSP check says revoked.
//   (first) another site's page posts to the operator API with an
//      admin's certificate: 403 cross-site, nothing changes.
//   3. rita approves Alan's review case; rena confirms it (dual control).
//   4. fay prints the twin's kit; flo confirms; the print view -> PDF.
// Screenshots at 1280x800 (and the dashboard and search at 390 px).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { axe, checks, env, finish, launch, openPage, shotsDir, timed }
  from './lib.mjs';

const BASE = env('BASE_URL');
const SHOTS = shotsDir();
const OPS = JSON.parse(env('OPERATORS'));
const { failures, check } = checks({ verbose: true });

const browser = await launch();

async function as(name, viewport = { width: 1280, height: 800 }) {
  const o = OPS[name];
  const { context, page } = await openPage(browser, check, { viewport,
    timeout: 20000, label: name,
    options: { ignoreHTTPSErrors: true, clientCertificates: [
      { origin: BASE, certPath: o.cert, keyPath: o.key }] },
    allowed: (r, p) => r.url().startsWith(BASE) ||
      r.url().startsWith('data:') || p.allowOther });
  return { context, page };
}

async function ready(page) {
  await page.waitForSelector('html[data-ready="true"]');
}

async function go(page, hash) {
  await page.goto(`${BASE}/console/${hash}`);
  await ready(page);
}

// axe-core on the page, then its screenshot; spent: ms in both, which
// are not the operator's time.
let spent = 0;
async function shot(page, name) {
  const s0 = Date.now();
  const { width, height } = page.viewportSize();
  await axe(page, `${name} at ${width} px`, check);
  await timed(`screenshot ${width}x${height}`, () => page.screenshot(
    { path: `${SHOTS}/${name}-${width}x${height}.png`, fullPage: false }));
  spent += Date.now() - s0;
}

try {
  let page;
  // --- 1. CSRF: another site rides an admin's certificate ----------------------
  // adam may do both (no role refusal hides the CSRF one); had either
  // passed, Ada's certificate would be revoked now and Alan's case would
  // have a pending approval (test_console.py checks neither happened).
  const adam = await as('adam');
  page = adam.page;
  const evil = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>evil</title><form id="f" method="POST"
      action="${BASE}/v1/ops/applications/${env('REVIEW_APP')}/decision"
      enctype="text/plain"><input name='{"decision":"approve","reason":"x","p":"' value='"}'></form>
      <script>
      fetch(${JSON.stringify(`${BASE}/v1/ops/certificates/${env('ADA_SERIAL')}/revocation`)},
        {method: 'POST', mode: 'no-cors', credentials: 'include',
         headers: {'Content-Type': 'text/plain'}, body: '{"reason":"superseded"}'})
        .finally(() => document.getElementById('f').submit());
      </script>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const evilUrl = `http://127.0.0.1:${evil.address().port}/`;
  page.allowOther = true;
  const answers = [];
  let bound;
  const both = new Promise((resolve) => {
    bound = setTimeout(resolve, 5000); // as long as the forged pair may take
    page.on('response', async (r) => {
      if (!r.url().startsWith(`${BASE}/v1/`) || r.request().method() !== 'POST') return;
      answers.push([r.url(), r.status(), await r.text().catch(() => '')]);
      if (answers.length === 2) resolve();
    });
  });
  await page.goto(evilUrl);
  await page.waitForURL(`${BASE}/**`, { timeout: 10000 }).catch(() => {});
  await both;
  clearTimeout(bound);
  check(answers.length === 2, `both forged requests reached the server (${answers.length})`);
  // The no-cors fetch's body is opaque even here: its status must do.
  for (const [u, s, b] of answers)
    check(s === 403 && (b === '' || b.includes('cross-site')), `forged ${u.replace(BASE, '')}: ${s} ${b}`);
  check(answers.some(([, , b]) => b.includes('cross-site')), 'the form post is refused as cross-site');
  evil.close();
  // The audit page: the chain and its checkpoints verify.
  await go(page, '#/audit');
  await page.click('#verify');
  await page.waitForSelector('text=Intact:');
  check(true, 'the audit page verifies the chain');
  await page.fill('#audit-subject', env('ADA_APP'));
  await page.click('#audit-filter button[type="submit"]');
  await ready(page);
  await page.waitForSelector('#audit-filter + button + div + div table tbody tr');
  const subjects = await page.locator('#audit-filter + button + div + div tbody td:nth-child(5)').allTextContents();
  check(subjects.length > 0 && subjects.every((x) => x === env('ADA_APP')),
    `the audit filter by application (${subjects.length} records, all hers)`);
  await shot(page, 'audit');

  // Partners: a new partner, its first API key and vouchers, each shown
  // once; the partner's page then masks the codes.
  await go(page, '#/partners');
  await page.fill('#p-name', 'Zeta EHR');
  await page.fill('#p-program', 'zeta-ehr');
  await page.click('button:has-text("Create partner")');
  await page.waitForSelector('h1:has-text("Zeta EHR")');
  await ready(page);
  await page.click('#new-key');
  const apiKey = (await page.locator('.once pre').textContent()).trim();
  check(/^rxp_[a-z2-7]{24}_/.test(apiKey), 'a new API key is shown once');
  await page.fill('#v-count', '3');
  await page.click('button:has-text("Make vouchers")');
  await page.waitForSelector('.once pre:has-text("vch-")');
  const codes = (await page.locator('.once pre').textContent()).trim().split('\n');
  check(codes.length === 3, `three voucher codes shown once (${codes.length})`);
  await page.waitForSelector('h2:has-text("Vouchers: 3 of 3 left")');
  check(await page.locator('td .tag.active').count() === 1,
    'the page drawn again lists the new key and the vouchers');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'partner');
  await go(page, '#/partners');
  // A sandbox partner is labelled; its live partner is not.
  const sbxRow = page.locator('tr', { has: page.locator('a:text-is("Kappa EHR (sandbox)")') });
  const liveRow = page.locator('tr', { has: page.locator('a:text-is("Kappa EHR")') });
  check(await sbxRow.locator('.tag.sandbox').count() === 1 &&
    await liveRow.locator('.tag.sandbox').count() === 0,
  'the partners list labels the sandbox partner, not the live one');
  await sbxRow.locator('a').click();
  await page.waitForSelector('h1:has-text("Kappa EHR (sandbox)")');
  await ready(page);
  check(await page.locator(`dd:has(.tag.sandbox) a[href="#/partners/${env('LIVE_PARTNER')}"]`).count() === 1,
    'the sandbox partner\'s page says it is a sandbox and links its live partner');
  await go(page, '#/partners');
  await page.click('a:has-text("Zeta EHR")');
  await page.waitForSelector('h1:has-text("Zeta EHR")');
  await ready(page);
  const shown = await page.locator('main').textContent();
  check(!shown.includes(apiKey) && codes.every((c) => !shown.includes(c)) &&
    codes.every((c) => shown.includes(`\u2026${c.slice(-4)}`)),
  'the partner page masks the codes and never shows the key again');
  check(await page.locator('h2:has-text("Vouchers: 3 of 3 left")').count() === 1,
    'the partner page counts the vouchers');
  await adam.context.close();

  // --- 2. the revoker ---------------------------------------------------------
  const ray = await as('ray');
  page = ray.page;
  await go(page, '#/');
  check(await page.locator('#who').textContent() === 'ray (revoker)', 'the dashboard names the operator and role');
  check(await page.locator('#nav a[href="#/review"]').isHidden(), 'no Review link for a revoker');
  await shot(page, 'dashboard');

  // A typo'd name finds Ada as she is typed.
  await go(page, '#/search');
  await page.locator('#q').pressSequentially(env('ADA_TYPO'), { delay: 20 });
  const byName = page.locator(`#results a[href="#/applications/${env('ADA_APP')}"]`);
  await byName.waitFor();
  check(true, 'a typo\'d name finds the application as it is typed');
  await byName.click();
  await ready(page);
  await page.waitForSelector('h1:has-text("Lovelace")');
  check(await page.locator(`a[href="#/certificates/${env('ADA_SERIAL')}"]`).count() > 0,
    'the application page lists the certificate');
  await shot(page, 'application');

  // The review case: a revoker is not offered a decision ...
  await go(page, `#/applications/${env('REVIEW_APP')}`);
  await page.waitForSelector('h1');
  check(await page.locator('#approve').count() === 0, 'a revoker sees no approve button');
  // ... and the server refuses one (the console's own request, well formed).
  const refused = await page.evaluate(async (id) => {
    const r = await fetch(`/v1/ops/applications/${id}/decision`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Rxca-Console': '1' },
      body: JSON.stringify({ decision: 'approve', reason: 'not mine to decide' }) });
    return [r.status, (await r.json()).type];
  }, env('REVIEW_APP'));
  check(refused[0] === 403 && refused[1].endsWith('/forbidden'), `the API refuses a revoker's approval: ${refused}`);

  // Measured: from the dashboard, a doctor's e-mail to a revoked certificate.
  await go(page, '#/');
  let clicks = 0;
  const t0 = Date.now();
  const spent0 = spent;
  await page.click('#nav a[href="#/search"]'); clicks++;
  await ready(page);
  await page.locator('#q').fill(env('ADA_EMAIL'));
  const serialLink = page.locator(`#results a[href="#/certificates/${env('ADA_SERIAL')}"]`);
  await serialLink.waitFor();
  await shot(page, 'search');
  await serialLink.click(); clicks++;
  await page.waitForSelector('#revoke');
  await page.waitForFunction(() => /good|revoked|unknown/.test(document.getElementById('ocsp').textContent));
  check(/^good/.test(await page.locator('#ocsp').textContent()), 'the certificate page asks OCSP: good');
  await shot(page, 'certificate');
  await page.selectOption('#reason', 'keyCompromise');
  await page.click('#revoke'); clicks++;
  const dialog = page.locator('#confirm-revoke');
  await dialog.waitFor();
  const question = await dialog.textContent();
  check(/Ada Lovelace/.test(question) && question.includes(env('ADA_SERIAL')),
    'the confirmation names the person and the serial');
  await shot(page, 'revocation');
  await page.click('#confirm'); clicks++;
  await page.waitForSelector('text=Revoked (keyCompromise)');
  const seconds = (Date.now() - t0 - (spent - spent0)) / 1000;
  console.log(`MEASURE e-mail -> revoked: ${clicks} clicks, ${seconds.toFixed(2)} s (typing the e-mail included; axe and screenshots not)`);
  // The page reloads with the certificate revoked; its OCSP check agrees.
  await page.waitForSelector('.tag.revoked');
  await page.waitForFunction(() => /revoked/.test(document.getElementById('ocsp').textContent), null, { timeout: 15000 });
  check(true, 'the certificate page says revoked, OCSP too');
  check(await page.locator('#revoke').count() === 0, 'a revoked certificate offers no revoke');
  await shot(page, 'certificate-revoked');

  // Phone width: the dashboard and the search still read.
  await page.setViewportSize({ width: 390, height: 844 });
  await go(page, '#/');
  await shot(page, 'dashboard');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 390, `no sideways scroll at 390 px (${wide})`);
  await go(page, `#/search?q=${encodeURIComponent(env('ADA_EMAIL'))}`);
  await page.locator('#results li').first().waitFor();
  await shot(page, 'search');
  await ray.context.close();

  // --- 3. dual control: rita asks, rena confirms --------------------------------
  const rita = await as('rita');
  page = rita.page;
  await go(page, '#/review');
  await page.click(`a[href="#/applications/${env('REVIEW_APP')}"]`);
  await page.waitForSelector('#approve');
  check(await page.locator('text=Identity checks').count() === 1, 'the review shows the identity checks');
  await page.fill('#reason', 'documents checked by phone');
  await page.click('#approve');
  await page.waitForSelector('text=a second reviewer must confirm');
  await shot(page, 'review-asked');
  await go(page, '#/approvals');
  check(await page.locator('[data-confirm]').count() === 0, 'rita cannot confirm her own request');
  await rita.context.close();
  const rena = await as('rena');
  page = rena.page;
  await go(page, '#/approvals');
  await shot(page, 'approvals');
  await page.click('[data-confirm]');
  await page.waitForSelector('text=took effect');
  check(true, 'rena confirmed: the approval took effect');
  await rena.context.close();

  // --- 4. a kit's letter: fay prints, flo confirms, the print view -> PDF ----
  const fay = await as('fay');
  page = fay.page;
  await go(page, '#/kits');
  await page.click(`[data-print="${env('KIT_ID')}"]`);
  await page.waitForSelector('text=a second fulfiller must confirm');
  await shot(page, 'kits');
  await fay.context.close();
  const flo = await as('flo');
  page = flo.page;
  await go(page, '#/approvals');
  await page.click('[data-confirm]');
  await page.waitForSelector('.letter .code');
  await ready(page);
  await shot(page, 'letter');
  const code = (await page.locator('.letter .code').first().textContent()).trim();
  writeFileSync(`${SHOTS}/letter-code.txt`, code);
  await page.emulateMedia({ media: 'print' });
  check(await page.locator('#print').isHidden(), 'the print view hides the buttons');
  await page.pdf({ path: `${SHOTS}/letter.pdf`, format: 'Letter', printBackground: false });
  check(true, 'the letter printed to PDF');
  await flo.context.close();
} catch (e) {
  check(false, `exception: ${e.stack || e}`);
}
await finish(browser, failures, 'console');
