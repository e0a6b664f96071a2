// /retrieve: the certificate onto the token through the applicant's
// token agent; the passcode only ever at the agent's own prompt; every
// step resumable (docs/token.md, "The agent as the browser's bridge").
import {
  h, field, setError, showProblem, alert, alertBox, render, when,
} from './ui.js';

const AGENT = document.querySelector('meta[name="rxca-token-agent"]')
  .content;

const STEPS = [
  ['passcode', 'Change the token passcode'],
  ['keygen', 'Make your key on the token'],
  ['retrieve', 'Retrieve your certificate'],
  ['test', 'Test your certificate'],
];

// ?test=<serial> (the status and certificate pages' *Test my
// certificate*) or ?renew=<serial> (the status page's *Renew*, inside
// the renewal window): the certificate the user asked for, or null.
const param = (k) => {
  const v = new URLSearchParams(location.search).get(k);
  return v && /^[0-9a-f]{32}$/.test(v) ? v : null;
};
const RENEW = param('renew');
const WANTED = RENEW || param('test');
// ?new: a new activation code (a new application) for a token that
// holds a certificate already; the agent makes a new key for it.
const NEW = new URLSearchParams(location.search).has('new');

// The account password typed on this page, kept in this module's memory
// only (for the test after the retrieval); gone with the tab.
let password = '';

// An agent problem ({type, title, status, detail, field}) as an Error.
class AgentProblem extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `The token program said ${status}.`);
    this.status = status;
    this.type = body && body.type;
    this.errors = body && body.field ? [{ field: body.field,
      message: body.detail }] : [];
  }
}

async function agent(method, path, body) {
  const opts = { method, cache: 'no-store', credentials: 'omit' };
  if (method === 'POST') {
    opts.headers = { 'Content-Type': 'application/json' };
    opts.body = JSON.stringify(body || {});
  }
  let resp;
  try {
    resp = await fetch(AGENT + path, opts);
  } catch {
    throw new AgentProblem(0, { type: 'agent-unreachable', detail:
      'The rxca token program is not answering on this computer.' });
  }
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!resp.ok) throw new AgentProblem(resp.status, json);
  return json;
}

// The steps, the current one marked; no passcode step on the
// applicant's own token (st.kit false).
function progress(st, next = st.next) {
  const steps = st.kit ? STEPS : STEPS.filter(([k]) => k !== 'passcode');
  const at = steps.findIndex(([k]) => k === next);
  const done = next === 'done' ? steps.length : at;
  return h('ol', { class: 'steps', 'aria-label': 'Progress' },
    steps.map(([k, label], i) => h('li', {
      'data-step': k,
      class: i < done ? 'done' : i === done ? 'current' : null,
      'aria-current': i === done ? 'step' : null,
    }, label, i < done ? h('span', { class: 'sr-only' },
      ' (done)') : null)));
}

function waiting(box) {
  alert(box, 'Look at the rxca token window on your screen: it asks for ' +
    'your token passcode or for your OK.', 'ok');
}

// One step's button: runs act, then shows the page again from the
// agent's status.
function stepButton(main, label, box, act) {
  const b = h('button', { type: 'submit', class: 'button primary' }, label);
  return h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    b.disabled = true;
    waiting(box);
    try {
      await act(ev.target);
      await show(main);
    } catch (e) {
      b.disabled = false;
      if (e.type === 'preflight-required' || e.status === 0)
        alert(box, e.message + ' Try again.');
      else
        showProblem(ev.target, box, e);
    }
  } }, b);
}

function notRunning(main) {
  const box = alertBox();
  render(main, 'Start the rxca token program',
    h('p', {}, 'To put your certificate on your token, this page talks ' +
      'to the rxca token program on your computer. It is not answering.'),
    h('ol', {},
      h('li', {}, 'Install it: download the rxca-token package and open ' +
        'it (on Debian or Ubuntu: ', h('code', {},
        'sudo apt install ./rxca-token_amd64.deb'), ').'),
      h('li', {}, 'Start it: ', h('code', {},
        'systemctl --user enable --now rxca-token-agent'), '.'),
      h('li', {}, 'Plug in your token, then check again.')),
    box,
    stepButton(main, 'Check again', box, async () => {}));
}

function certificateDetails(cert) {
  return h('dl', { class: 'facts' },
    h('dt', {}, 'Serial number'), h('dd', { 'data-serial': cert.serial },
      cert.serial),
    h('dt', {}, 'Valid until'), h('dd', {}, when(cert.not_after)),
    h('dt', {}, 'Subject'), h('dd', {}, cert.subject));
}

export async function show(main) {
  let st;
  try {
    st = await agent('GET', '/v1/status');
  } catch (e) {
    notRunning(main);
    return;
  }
  const box = alertBox();
  main.dataset.next = st.next;
  if (st.next === 'insert') {
    render(main, 'Plug in your token',
      h('p', {}, 'The rxca token program is running, but finds no ' +
        'token. Plug in yours (from the letter, or your own). For a ' +
        'certificate in software, make your keystore first: ',
      h('code', {}, 'softhsm2-util --init-token --free --label ' +
        '"My keystore"'), '.'),
      box, stepButton(main, 'Check again', box, async () => {}));
    return;
  }
  const justRenewed = renewed && st.certificate?.serial === renewed.serial;
  if (WANTED && !justRenewed && st.certificate?.serial !== WANTED) {
    render(main, 'This token does not hold that certificate',
      h('p', {}, `You asked to ${RENEW ? 'renew' : 'test'} the ` +
        'certificate with serial number ',
        h('code', { 'data-wanted': '' }, WANTED), '. The token plugged in ',
        st.certificate ? ['holds the certificate ', h('code', {},
          st.certificate.serial)] : 'holds no certificate yet',
        '. Plug in the token that holds it, then check again.'),
      h('p', {}, h('a', { href: '/retrieve' },
        'Continue with this token instead')),
      box, stepButton(main, 'Check again', box, async () => {}));
    return;
  }
  if (RENEW && !justRenewed && st.next === 'test') {
    renewView(main, st, box);
    return;
  }
  if (st.next === 'passcode') {
    render(main, 'Change your token passcode', progress(st),
      h('p', {}, 'Your token comes with an initial passcode, printed on ' +
        'your letter. Before anything else, choose your own.'),
      h('p', {}, 'When you press the button, a window of the rxca token ' +
        'program asks for the passcode from the letter, then twice for ' +
        'your new passcode (8 characters at least). Type them there, ' +
        'not on this page.'),
      box, stepButton(main, 'Change the passcode', box,
        () => agent('POST', '/v1/passcode')));
    return;
  }
  if (st.next === 'keygen') {
    render(main, 'Make your key on the token', progress(st),
      h('p', {}, st.kit
        ? 'Your token now makes the key that will sign your ' +
          'prescriptions. The key never leaves the token.'
        : `Your token "${st.token}" now makes your key, protected by ` +
          'the passcode you gave it. The key never leaves it.'),
      box, stepButton(main, 'Make the key', box,
        () => agent('POST', '/v1/keygen')));
    return;
  }
  const again = NEW && !retrievedNew && st.next === 'test';
  if (st.next === 'retrieve' || again) {
    const code = field('activation_code', 'Activation code', {
      required: true, hint: 'From your letter, e.g. ABCD-EFGH-JKMN-PQRS.',
      autocomplete: 'off', autocapitalize: 'characters', nospell: true });
    const pw = field('password', 'Account password', {
      required: true, type: 'password', autocomplete: 'current-password',
      hint: 'The password you chose when you applied.' });
    const form = stepButton(main, 'Retrieve my certificate', box,
      async () => {
        let bad = false;
        for (const [f, msg] of [[code, 'Type the activation code from ' +
          'your letter.'], [pw, 'Type your account password.']]) {
          const empty = !f.input.value.trim();
          setError(form, f.dataset.field, empty ? msg : null);
          bad = bad || empty;
        }
        if (bad) {
          alert(box, '');
          throw Object.assign(new Error(''), { errors: [] });
        }
        password = pw.input.value;
        await agent('POST', '/v1/retrieve', {
          activation_code: code.input.value.trim().toUpperCase(),
          password: pw.input.value,
        });
        retrievedNew = again;
      });
    form.prepend(code, pw);
    render(main, again ? 'Retrieve your new certificate'
      : 'Retrieve your certificate', progress(st, 'retrieve'),
    again ? h('p', {}, 'Your token holds the certificate with serial ' +
      'number ', h('code', {}, st.certificate.serial), '. For the ' +
      'activation code of your new application, it makes a new key, ' +
      'keeps the certificate it holds beside the new one, and uses the ' +
      'new one from then on.') : null,
    h('p', {}, 'Your token signs a request for your certificate and ' +
      'sends it with your activation code and account password. The ' +
      'token window asks you to confirm, then for your token passcode.'),
    box, form);
    return;
  }
  // test: the certificate is on the token (the one asked for, if any)
  const pw = field('password', 'Account password', {
    required: true, type: 'password', autocomplete: 'current-password',
    value: password });
  const result = h('p', { class: 'result', 'aria-live': 'polite' });
  const form = stepButton(main, 'Test my certificate', box, async () => {
    if (!pw.input.value) {
      setError(form, 'password', 'Type your account password.');
      throw Object.assign(new Error(''), { errors: [] });
    }
    const r = await agent('POST', '/v1/test', { password: pw.input.value });
    password = pw.input.value;
    sessionTested = r.serial;
  });
  form.prepend(pw);
  const tested = sessionTested === st.certificate.serial;
  if (justRenewed) {
    render(main, 'Your certificate is renewed',
      h('p', { class: 'alert ok', role: 'status', 'data-renewed':
        renewed.renews }, 'Your token holds the renewed certificate ' +
        'beside the old one, and uses the new one from now on.'),
      certificateDetails(st.certificate),
      h('p', {}, h('a', { class: 'button primary',
        href: `/retrieve?test=${st.certificate.serial}` },
      'Test my certificate')));
    return;
  }
  render(main, 'Your certificate is on your token',
    progress(st, tested ? 'done' : 'test'),
    certificateDetails(st.certificate),
    tested
      ? h('p', { class: 'alert ok', role: 'status', 'data-test':
        'passed' }, 'Test passed: your token signed our challenge with ' +
        'your certificate, and we checked the signature. Your ' +
        'certificate is ready to use (an EPCS certificate: to sign ' +
        'prescriptions for controlled substances).')
      : [h('p', {}, 'Test it: your token signs a challenge from us with ' +
        'your new certificate, and we check the signature.'), box, form],
    result,
    h('p', {}, 'Applied again, with the activation code of a new ' +
      'letter? ', h('a', { href: '/retrieve?new', 'data-new': '' },
      'Retrieve the new certificate onto this token')));
}

// Renewal inside the window: a new key pair on the token, its request
// signed with the current key, the renewed certificate stored beside the
// old one (POST /v1/renew at the agent, which asks to confirm and for
// the passcode in its own window).
function renewView(main, st, box) {
  const pw = field('password', 'Account password', {
    required: true, type: 'password', autocomplete: 'current-password',
    value: password });
  const form = stepButton(main, 'Renew my certificate', box, async () => {
    if (!pw.input.value) {
      setError(form, 'password', 'Type your account password.');
      throw Object.assign(new Error(''), { errors: [] });
    }
    password = pw.input.value;
    renewed = await agent('POST', '/v1/renew', { password });
  });
  form.prepend(pw);
  render(main, 'Renew your certificate',
    h('p', {}, 'Your certificate can be renewed now. Your token makes a ' +
      'new key, signs the request for the new certificate with your ' +
      'current one, and stores the new certificate beside it. The token ' +
      'window asks you to confirm, then for your token passcode.'),
    certificateDetails(st.certificate), box, form);
}

// The renewal done in this tab (the agent's answer), so the page says so.
let renewed = null;

// The certificate tested in this tab (serial), so the page says so.
let sessionTested = null;

// A new application's certificate retrieved in this tab (?new), so the
// page goes on to its test.
let retrievedNew = false;

const main = document.getElementById('main');
show(main).then(() => {
  document.documentElement.dataset.readyMs =
    String(Math.round(performance.now()));
  document.documentElement.dataset.ready = 'true';
}).catch((e) => {
  main.textContent = 'This page could not be shown: ' + e.message;
  document.documentElement.dataset.ready = 'error';
});
