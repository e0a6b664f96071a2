// The portal's /approve page in Debian's Chromium with its virtual
// authenticator (the DevTools Protocol's WebAuthn domain through a
// Playwright CDP session), run by test_approvals.py for an application of
// the partner's program proofed through the reference OpenID provider.
// This script plays the EHR too: it asks (POST /v1/partner/approvals with
// the partner's key), receives its webhooks on a real HTTP server of its
// own and polls for the record.  Steps: register two passkeys on
// /passkeys -> approve with user verification, timed from the request to
// the record at the EHR (by polling and by webhook) -> UV off (nothing
// sent, still pending) -> the page at another origin (refused) -> the
// decision's assertion replayed (409) and sent to another request (422)
// -> an expired request (the injected clock; 410, recorded) -> a revoked
// passkey (409) -> a counter going backwards (422, the passkey disabled).
// axe-core and screenshots at each step; the records go to RECORDS for
// the independent check.
import { createServer } from 'node:http';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { authenticators, axe, checks, env, finish, launch, logIn, openPage,
  shotsDir } from './lib.mjs';

const BASE = env('BASE_URL');
const OTHER = env('OTHER_URL'); // the same server at another origin
const APP = env('APP_ID');
const PASSWORD = env('PASSWORD');
const KEY = env('PARTNER_KEY');
const CLOCK = env('CLOCK_FILE');
const RECORDS = env('RECORDS');
const ROUNDS = Number(process.env.ROUNDS || 10);
const { failures, check } = checks({ verbose: true });

const AUTH = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true };

const b64url = (b64) => b64.replace(/\+/g, '-').replace(/\//g, '_')
  .replace(/=+$/, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The EHR's calls.
async function ehr(method, path, body) {
  const r = await fetch(BASE + path, { method, headers: {
    Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}
async function ask(credentialId, summary) {
  const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256',
    new TextEncoder().encode(summary)))]
    .map((x) => x.toString(16).padStart(2, '0')).join('');
  const r = await ehr('POST', '/v1/partner/approvals', {
    credential_id: credentialId, summary, digests: [digest] });
  check(r.status === 201, `asked "${summary}": ${r.status} ` +
    JSON.stringify(r.body).slice(0, 200));
  return r.body;
}
const stateOf = async (id) =>
  (await ehr('GET', `/v1/partner/approvals/${id}`)).body;

// The injected clock (harness.Server.set_clock's file).
let clockMtime = Date.now() / 1000;
function setClock(offset) {
  writeFileSync(`${CLOCK}.tmp`, `${offset}\n`);
  clockMtime = Math.max(Date.now() / 1000, clockMtime + 1);
  utimesSync(`${CLOCK}.tmp`, clockMtime, clockMtime);
  renameSync(`${CLOCK}.tmp`, CLOCK);
}

// The EHR's webhook receiver: event id -> [type, data, arrival ms].
const hooks = new Map();
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    const ev = JSON.parse(raw);
    hooks.set(ev.data && ev.data.id ? `${ev.type}:${ev.data.id}` : ev.id,
      { ev, at: performance.now() });
    res.writeHead(200).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)];
};

const browser = await launch();
let page;
const records = [];
try {
  let r = await ehr('PUT', '/v1/partner/webhook', { url: hookUrl });
  check(r.status === 200, `webhook set: ${r.status}`);
  const made = await openPage(browser, check, { shots: shotsDir(),
    allowed: (q) => q.url().startsWith(BASE) || q.url().startsWith(OTHER) ||
      q.url().startsWith('data:') });
  page = made.page;
  const shot = made.shoot;
  const { add, creds: credsOf, remove, send } =
    await authenticators(made.context, page);

  // two passkeys, A and B, each made on its own authenticator
  let auth = await add(AUTH);
  await page.goto(`${BASE}/passkeys`);
  await page.waitForSelector('html[data-ready="true"]');
  await logIn(page, APP, PASSWORD);
  await page.waitForSelector('#register');
  const register = async (name) => {
    await page.fill('[name="name"]', name);
    await page.click('#register button[type="submit"]');
    await page.waitForFunction((n) => document.body.textContent
      .includes(`${n} is registered`), name);
  };
  await register('Phone A');
  const [credA] = await credsOf(auth);
  await remove(auth);
  auth = await add(AUTH);
  await register('Phone B');
  const [credB] = await credsOf(auth);
  await remove(auth);
  const idA = b64url(credA.credentialId);
  const idB = b64url(credB.credentialId);
  auth = await add(AUTH);
  await send('addCredential',
    { authenticatorId: auth, credential: credA });

  // the decision's POST body, for the replays
  let lastDecision = null;
  page.on('request', (q) => {
    if (q.method() === 'POST' && q.url().includes('/decision'))
      lastDecision = { url: q.url(), body: q.postData() };
  });
  const open = async (req, base = BASE) => {
    await page.goto(`${base}/approve?request=${req.id}`);
    await page.waitForSelector('html[data-ready="true"]');
  };
  const refusal = async () => {
    await page.waitForSelector('[role="alert"]:not([hidden])');
    return page.textContent('[role="alert"]:not([hidden])');
  };

  // approve with user verification; round trips timed at the EHR: the
  // request, the page opened, the click, the passkey, the record polled
  // (every 20 ms) and the webhook received
  const poll = [];
  const hook = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const req = await ask(idA, `Round ${i + 1}: oxycodone 5 mg, 20 tablets`);
    await open(req);
    if (i === 0) {
      check(req.approval_url.endsWith(`/approve?request=${req.id}`),
        'the approval URL is the page');
      check((await page.textContent('#summary')).includes('Round 1'),
        'the page shows the summary');
      check((await page.textContent('.digests')).includes(req.digests[0]),
        'the page shows the digest');
      await axe(page, 'pending', check);
      await shot('pending');
    }
    await page.click('#approve');
    let got;
    for (;;) {
      got = await stateOf(req.id);
      if (got.record) break;
      await sleep(20);
    }
    if (i > 0) poll.push(performance.now() - t0);
    for (;;) {
      const h = hooks.get(`approval.approved:${req.id}`);
      if (h) {
        if (i > 0) hook.push(h.at - t0);
        check(h.ev.data.record === got.record,
          `round ${i + 1}: the webhook's record is the polled one`);
        break;
      }
      await sleep(10);
    }
    check(got.state === 'approved', `round ${i + 1}: approved`);
    records.push(got.record);
    if (i === 0) {
      await page.waitForSelector('#outcome');
      await axe(page, 'approved', check);
      await shot('approved');
    }
  }
  // round 1 (axe and screenshots inside) is not counted
  console.log(`MEASURE approval round trip (request -> record at the EHR), ` +
    `${ROUNDS - 1} rounds after a first: polling p50 ${Math.round(pct(poll, 50))} ms ` +
    `p99 ${Math.round(pct(poll, 99))} ms; webhook p50 ` +
    `${Math.round(pct(hook, 50))} ms p99 ${Math.round(pct(hook, 99))} ms`);

  // the same assertion again: single use
  const replayed = await fetch(lastDecision.url, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: lastDecision.body });
  check(replayed.status === 409, `replayed assertion: ${replayed.status}`);
  // ... and sent to another request: its challenge is not this one's
  const other = await ask(idA, 'Replay target');
  const crossed = await fetch(`${BASE}/v1/approvals/${other.id}/decision`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: lastDecision.body });
  check(crossed.status === 422,
    `another request's assertion: ${crossed.status}`);
  check((await stateOf(other.id)).state === 'pending',
    'the other request is still pending');

  // user verification off: the browser sends nothing; still pending
  await send('setUserVerified',
    { authenticatorId: auth, isUserVerified: false });
  await open(other);
  await page.click('#approve');
  console.log(`UV off: ${await refusal()}`);
  check((await stateOf(other.id)).state === 'pending', 'UV off: pending');
  await axe(page, 'UV off', check);
  await shot('uv-off');
  await send('setUserVerified',
    { authenticatorId: auth, isUserVerified: true });

  // another origin: not this RP's; nothing decided
  await open(other, OTHER);
  await page.click('#approve');
  console.log(`another origin: ${await refusal()}`);
  check((await stateOf(other.id)).state === 'pending',
    'another origin: pending');
  await shot('other-origin');

  // expired: the page opened in time, the click after the expiry
  const late = await ask(idA, 'Too late');
  await open(late);
  setClock(Number(process.env.APPROVAL_SECONDS || 300) + 1);
  await page.click('#approve');
  console.log(`expired: ${await refusal()}`);
  check((await stateOf(late.id)).state === 'expired',
    'expired: recorded (by the refused decision or the sweep)');
  await open(late);
  check(await page.locator('#approve').count() === 0,
    'expired: no approve button');
  await axe(page, 'expired', check);
  await shot('expired');
  setClock(0);

  // A's key as it is now (its counter), for the last step
  const [nowA] = (await credsOf(auth)).filter((c) =>
    c.credentialId === credA.credentialId);
  check(nowA.signCount > 1, `A's counter is ${nowA.signCount}`);

  // a revoked passkey approves nothing (B, alone on an authenticator:
  // one resident key per user and RP)
  await remove(auth);
  auth = await add(AUTH);
  await send('addCredential',
    { authenticatorId: auth, credential: credB });
  const forB = await ask(idB, 'For phone B');
  const login = await (await fetch(`${BASE}/v1/sessions`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ application_id: APP, password: PASSWORD }) }))
    .json();
  const list = await (await fetch(`${BASE}/v1/applications/${APP}/passkeys`,
    { headers: { Authorization: `Bearer ${login.token}` } })).json();
  const pkB = list.passkeys.find((p) => p.credential_id === idB);
  r = await fetch(`${BASE}/v1/applications/${APP}/passkeys/${pkB.id}/` +
    'revocation', { method: 'POST',
    headers: { Authorization: `Bearer ${login.token}` } });
  check(r.status === 200, `passkey B revoked: ${r.status}`);
  await open(forB);
  await page.click('#approve');
  console.log(`revoked: ${await refusal()}`);
  check((await stateOf(forB.id)).state === 'pending', 'revoked: pending');
  await shot('revoked');

  // a counter going backwards: A's key copied with an old counter
  await remove(auth);
  auth = await add(AUTH);
  await send('addCredential',
    { authenticatorId: auth, credential: { ...nowA, signCount: 0 } });
  const cloned = await ask(idA, 'Cloned key');
  await open(cloned);
  await page.click('#approve');
  console.log(`counter backwards: ${await refusal()}`);
  check((await stateOf(cloned.id)).state === 'pending',
    'counter backwards: pending');
  const after = await ehr('POST', '/v1/partner/approvals', {
    credential_id: idA, summary: 'after', digests: ['0'.repeat(64)] });
  check(after.status === 409, `the disabled passkey: ${after.status}`);
  await axe(page, 'counter backwards', check);
  await shot('counter-backwards');
} catch (e) {
  check(false, `walk: ${e.message}`);
  if (page) await page.screenshot({ path: `${shotsDir()}/failure.png` })
    .catch(() => {});
}
writeFileSync(RECORDS, JSON.stringify(records));
receiver.close();
await finish(browser, failures, 'approvals.test.mjs');
