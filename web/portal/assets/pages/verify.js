// /verify-email: the verification mail's link
// (/verify-email?application=<id>&code=<code>) verifies at once; without
// a code, the code is typed.  A new code can be asked for with the
// account password (POST /v1/sessions, then .../resend with the session,
// which stays in memory).
import { call, setSession, getSession, Problem } from '../api.js';
import { codeProblem } from '../rules.js';
import {
  h, field, setError, showProblem, alert, alertBox, render,
} from '../ui.js';

const NEXT =
  'We now check your identity against independent sources. This usually ' +
  'takes a few minutes, at most a few business days when a person must ' +
  'look at it. We e-mail you the decision.';

function verified(main, appId) {
  render(main, 'Your e-mail address is verified',
    h('p', { class: 'alert ok', role: 'status' },
      `Thank you. Application ${appId} goes on to the next phase: ` +
      'Get verified.'),
    h('h2', {}, 'What happens next'), h('p', {}, NEXT),
    h('p', {}, h('a', { class: 'button primary', href: '/status' },
      'See the status of your application')));
}

export async function show(main, params) {
  const box = alertBox();
  const appParam = params.get('application') || '';
  const form = h('form', { novalidate: true, id: 'verify' },
    appParam ? h('input', { type: 'hidden', name: 'application',
      value: appParam })
      : field('application', 'Application number', { required: true,
        hint: 'In the e-mail we sent you: it starts with app_.',
        nospell: true }),
    field('code', 'Verification code', { required: true,
      value: params.get('code') || '', autocomplete: 'one-time-code',
      autocapitalize: 'characters', nospell: true,
      hint: 'From the e-mail: 10 letters and digits, like ABCDE-12345.' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' },
        'Verify my e-mail address')));
  const resendBox = alertBox();
  const resend = h('form', { novalidate: true, id: 'resend' },
    h('h2', {}, 'No e-mail?'),
    h('p', {}, 'Look in your spam or bulk folder first. Or ask for a new ' +
      'code: the old one then stops working.'),
    resendBox,
    appParam ? null : field('resend_application', 'Application number', {
      required: true, nospell: true }),
    field('password', 'Account password', { required: true,
      type: 'password', autocomplete: 'current-password' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button' }, 'Send a new code')));
  render(main, 'Verify your e-mail address',
    h('p', { class: 'phase' }, 'Phase 2 of 3: Get verified.'),
    box, form, resend);

  const appId = () => appParam ||
    form.querySelector('[name="application"]').value.trim();

  async function verify() {
    alert(box, '');
    const code = form.querySelector('[name="code"]').value;
    let bad = false;
    if (!appParam && !appId()) {
      setError(form, 'application', 'is required');
      bad = true;
    }
    const msg = code === '' ? 'is required' : codeProblem(code);
    setError(form, 'code', msg);
    if (msg || bad) {
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    try {
      await call('POST', `/v1/applications/${encodeURIComponent(appId())}` +
        '/email-verification', { code });
      verified(main, appId());
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      if (e.status === 404)
        alert(box, 'No application has this number. Check the link or ' +
          'the number in the e-mail.');
      else {
        const left = e.body.attempts_left;
        const tries = left != null ? ` (tries left: ${left})` : '';
        if (e.errors.length) {
          showProblem(form, box, e);
          const code = e.errors.find((x) => x.field === 'code');
          if (code) setError(form, 'code', code.message + tries);
        } else {
          setError(form, 'code', e.message + tries);
          form.querySelector('[name="code"]').focus();
        }
      }
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); verify(); });
  form.addEventListener('input', (ev) => {
    if (ev.target.name === 'code' &&
        form.querySelector('[name="code"][aria-invalid="true"]'))
      setError(form, 'code', codeProblem(ev.target.value));
  });

  resend.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alert(resendBox, '');
    const id = appParam || resend.querySelector(
      '[name="resend_application"]').value.trim();
    const password = resend.querySelector('[name="password"]').value;
    if (!password) { setError(resend, 'password', 'is required'); return; }
    setError(resend, 'password', null);
    try {
      if (!getSession() || getSession().application_id !== id)
        setSession(await call('POST', '/v1/sessions',
          { application_id: id, password }));
      await call('POST', `/v1/applications/${encodeURIComponent(id)}` +
        '/email-verification/resend', undefined, { auth: true });
      alert(resendBox, 'A new code is on its way to your e-mail address.',
        'ok');
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      if (e.status === 401) {
        setError(resend, 'password',
          'The application number or the password is wrong.');
        resend.querySelector('[name="password"]').focus();
      } else showProblem(resend, resendBox, e);
    }
  });

  if (appParam && params.get('code')) await verify();
}
