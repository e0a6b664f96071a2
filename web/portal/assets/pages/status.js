// /status: log in (../login.js), then the application's status, next
// steps, timeline and certificates (GET /v1/applications/{id}); "Apply
// again" from the prefill; "Verify with <provider>" and its ?oidc=
// outcome (docs/portal.md, docs/oidc.md).  The session: memory only.
import { call, setSession, getSession, serverNow, Problem } from
  '../api.js';
import { go } from '../app.js';
import { loginView } from '../login.js';
import { h, alert, alertBox, render, when } from '../ui.js';

// What each status means to the doctor, what comes next, how long.
const STATUS = {
  email_pending: ['Waiting for your e-mail address to be verified',
    'Open the link in the e-mail we sent you (or enter its code on the ' +
    'verification page). The link works for 30 days.'],
  proofing: ['Checking your identity',
    'We are checking your information against independent sources. This ' +
    'usually takes a few minutes; we e-mail you the decision.'],
  review: ['A person is reviewing your application',
    'A CA operator looks at what the automatic checks could not ' +
    'confirm. This usually takes 3 to 5 days; we e-mail you the decision.'],
  approved: ['Approved',
    'Your identity is confirmed. We prepare your letter with the ' +
    'activation code (and your token) and mail them to your home address ' +
    'within a few business days.'],
  kit_shipped: ['Your letter and token are in the mail',
    'They usually arrive in 3 to 5 days. With them, you put your ' +
    'certificate on the token (phase 3: Retrieve).'],
  issued: ['Your certificate is issued',
    'Your certificate is on your token. You can now sign prescriptions ' +
    'for controlled substances.'],
  rejected: ['Not approved',
    'We could not confirm your identity. The decision e-mail says why ' +
    'and what you can do.'],
  lapsed: ['Closed: the e-mail address was not verified in time',
    'The 30 days to verify your e-mail address have passed. Please apply ' +
    'again.'],
  locked: ['Closed: locked',
    'The secret answers were entered wrongly too often. Please apply ' +
    'again.'],
  withdrawn: ['Withdrawn', 'This application was withdrawn.'],
};

// The outcome of a sign-in at the OpenID provider (?oidc=).
const SIGN_IN = {
  approved: ['ok', 'Your sign-in at the identity provider confirmed ' +
    'your identity.'],
  review: ['ok', 'Your sign-in at the identity provider was ' +
    'received; a person now reviews your application.'],
  rejected: ['error', 'Your sign-in at the identity provider did not ' +
    'confirm your identity.'],
  cancelled: ['error', 'You did not finish signing in at the identity ' +
    'provider. Log in to try again.'],
  failed: ['error', 'The identity provider\'s answer could not be ' +
    'accepted. Log in to try again.'],
};

// Proofed: may add a passkey (docs/passkeys.md).
const PROOFED = ['approved', 'kit_shipped', 'issued'];

// No new token: only the letter comes.
const OWN_KEYSTORE = {
  approved: ['Approved', 'Your identity is confirmed. We mail your ' +
    'letter with the activation code within a few business days.'],
  kit_shipped: ['Your letter is in the mail', 'It usually arrives in 3 ' +
    'to 5 days. With it, you put your certificate on your own token or ' +
    'software keystore.'],
  issued: ['Your certificate is issued', ''],
};

const label = (s) => (STATUS[s] || [s])[0];
const DAY = 86400000;

// A certificate's state now, by the server's clock (which decides a
// renewal): valid, renewable (inside its window, not renewed yet),
// renewed, expired or revoked.
const certState = (c) => c.state;

const CERT_STATE = {
  valid: 'Valid',
  renewable: 'Valid: renew it now',
  renewed: 'Valid (renewed)',
  expired: 'Expired',
  revoked: 'Revoked',
};

function certRow(c) {
  const st = certState(c);
  const days = Math.ceil((Date.parse(c.not_after) - serverNow()) / DAY);
  const serial = encodeURIComponent(c.serial);
  let renewal;
  if (st === 'renewable')
    renewal = [`Your renewal window is open until ${when(c.not_after)} ` +
      `(${days} day${days === 1 ? '' : 's'} left). Renewing makes a new ` +
      'key on your token; no new identity check. ',
    h('a', { href: `/retrieve?renew=${serial}`, class: 'renew-link' },
      'Renew it on your token'),
    ' (with the token plugged in and the rxca token program running), ' +
      'or on that computer run ', h('code', { class: 'renew-command' },
      'rxca-token renew'), '.'];
  else if (st === 'valid')
    renewal = `You can renew from ${when(c.renewal_window.opens)} until ` +
      `${when(c.renewal_window.closes)}.`;
  else if (st === 'renewed') renewal = 'Renewed: a newer certificate ' +
    'replaces it.';
  else if (st === 'expired') renewal = 'It can no longer be renewed: ' +
    'apply again (below).';
  else renewal = 'A revoked certificate cannot be renewed.';
  return h('li', { class: `cert ${st}`, 'data-serial': c.serial },
    h('h3', {}, h('a', { href: `/certificate?serial=${serial}` },
      `Certificate ${c.serial}`)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', { class: 'cert-status' }, CERT_STATE[st]),
      h('dt', {}, 'Valid from'), h('dd', {}, when(c.not_before)),
      h('dt', {}, 'Valid until'), h('dd', {}, when(c.not_after)),
      h('dt', {}, 'Renewal'), h('dd', { class: 'renewal' }, renewal)),
    st === 'revoked' || st === 'expired' ? null : h('p', {},
      h('a', { href: `/retrieve?test=${serial}`, class: 'test-cert' },
        'Test my certificate')));
}

async function reapply(main, app, box) {
  try {
    const prefill = await call('GET', '/v1/applications/' +
      `${encodeURIComponent(app.id)}/prefill`, undefined, { auth: true });
    go('/apply?reapply=1', { prefill });
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    alert(box, e.message);
  }
}

// "Verify with <provider>": the sign-in at the OpenID provider.
function signInButton(app, box) {
  const button = h('button', { type: 'button', class: 'button primary',
    id: 'oidc-start' }, `Verify with ${app.identity_sign_in.provider}`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await call('POST', '/v1/applications/' +
        `${encodeURIComponent(app.id)}/oidc/start`,
      { return_to: 'portal' }, { auth: true });
      location.assign(r.authorization_url);
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      button.disabled = false;
      alert(box, e.message);
    }
  });
  return [h('h2', {}, 'Verify your identity'),
    h('p', {}, `Sign in at ${app.identity_sign_in.provider} to prove who ` +
      'you are; it sends you back here.'), h('p', {}, button)];
}

function statusView(main, app, outcome) {
  const own = app.storage && app.storage !== 'new-token' &&
    OWN_KEYSTORE[app.status];
  const [title, next] = own || STATUS[app.status] || [app.status, ''];
  const box = alertBox();
  if (outcome) alert(box, outcome[1], outcome[0]);
  const logout = h('button', { type: 'button', class: 'button' }, 'Log out');
  logout.addEventListener('click', () => {
    setSession(null);
    show(main, new URLSearchParams());
  });
  const steps = (app.timeline || []).map((e) => h('li', {},
    h('span', { class: 'when' }, when(e.at)), ' ',
    h('strong', {}, label(e.status)),
    e.note ? h('span', { class: 'note' }, ` ${e.note}`) : null));
  const certs = app.certificates || [];
  const states = certs.map((c) => certState(c));
  const allExpired = certs.length > 0 &&
    states.every((s) => s === 'expired' || s === 'revoked') &&
    states.includes('expired');
  let nextText = next;
  if (states.includes('renewable'))
    nextText = 'Your certificate expires soon: renew it inside its ' +
      'renewal window (below).';
  else if (allExpired)
    nextText = 'Your certificate has expired. Apply again: your details ' +
      'are filled in from this application.';
  const again = h('button', { type: 'button', class: 'button primary',
    id: 'apply-again' }, 'Apply again');
  again.addEventListener('click', () => reapply(main, app, box));
  render(main, 'Your application', box,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Application'), h('dd', { id: 'app-id' }, app.id),
      h('dt', {}, 'Status'),
      h('dd', { id: 'app-status', class: `status ${app.status}` }, title),
      h('dt', {}, 'Applicant'),
      h('dd', {}, `${app.applicant.given_name} ${app.applicant.family_name}`),
      h('dt', {}, 'Certificate'), h('dd', {}, app.product),
      h('dt', {}, 'Applied'), h('dd', {}, when(app.created_at))),
    h('h2', {}, 'What happens next'), h('p', { id: 'next' }, nextText),
    app.identity_sign_in ? signInButton(app, box) : null,
    allExpired ? h('p', {}, again) : null,
    app.status === 'email_pending' ? h('p', {}, h('a', {
      href: `/verify-email?application=${encodeURIComponent(app.id)}` },
    'Enter your verification code')) : null,
    ['kit_shipped', 'approved'].includes(app.status) && !certs.length
      ? h('p', {}, h('a', { href: '/retrieve', id: 'retrieve-link' },
        app.storage === 'software' ? 'Put your certificate in your ' +
          'software keystore' : 'Put your certificate on your token'))
      : null,
    PROOFED.includes(app.status)
      ? h('p', {}, h('a', { href: '/passkeys', id: 'passkeys-link' },
        'Add a passkey')) : null,
    certs.length ? [h('h2', {}, 'Your certificates'),
      h('ul', { class: 'certs', id: 'certs' }, certs.map(certRow))] : null,
    h('h2', {}, 'Timeline'), h('ol', { class: 'timeline' }, steps),
    h('p', { class: 'actions' }, logout,
      h('a', { class: 'button', href: '/reset-password' },
        'Reset your password')));
}

async function showApp(main, outcome) {
  const app = await call('GET', '/v1/applications/' +
    encodeURIComponent(getSession().application_id), undefined,
  { auth: true });
  statusView(main, app, outcome);
}

export async function show(main, params) {
  const outcome = SIGN_IN[params.get('oidc')];
  if (getSession()) {
    try {
      await showApp(main, outcome);
      return;
    } catch (e) {
      if (!(e instanceof Problem) || e.status !== 401) throw e;
      setSession(null);
    }
  }
  loginView(main, params, 'Follow your application',
    () => showApp(main, outcome));
  if (outcome) {
    const note = h('p', { class: `alert ${outcome[0]}`, id: 'oidc-outcome',
      role: 'status' }, outcome[1]);
    main.querySelector('h1').after(note);
  }
}
