// /reset-password: a forgotten account password reset with the secret
// answers (POST /v1/password-resets), as the API offers it: with the
// activation code from the letter, or, before a letter, with the
// application number and a reset code mailed on request
// (POST /v1/password-resets/codes), whose link
// (/reset-password?application=&code=) opens this page with both filled
// in.  Offered under the igc policy only
// (GET /v1/application-form says which).  Every session ends; the
// doctor logs in again with the new password.
import { call, setSession, Problem } from '../api.js';
import { RULES } from '../rules.js';
import { applicationForm } from '../form.js';
import {
  h, field, setError, showProblem, alert, alertBox, render,
} from '../ui.js';

function radio(name, value, text, checked) {
  const id = `f-${name}-${value}`;
  return h('div', { class: 'radio' },
    h('input', { type: 'radio', name, id, value, checked }),
    h('label', { for: id }, text));
}

export async function show(main, params) {
  const box = alertBox();
  const form = await applicationForm().catch(() => null);
  if (form && form.policy !== 'igc') {
    render(main, 'Reset your password', box);
    alert(box, 'Secret questions do not reset a password here: to be ' +
      'proofed anew, please apply again.');
    return;
  }
  const byCode = field('activation_code', 'Activation code', {
    required: true, nospell: true, autocapitalize: 'characters',
    autocomplete: 'off',
    hint: 'From the letter that came with your token, e.g. ' +
      '0G4CW-X4HDV-9A2W3-3NKVT-2.' });
  const byApp = h('div', { hidden: true },
    field('application_id', 'Application number', { required: true,
      nospell: true, value: params.get('application') || '',
      hint: 'In the e-mails we sent you: it starts with app_.' }),
    h('p', {}, h('button', { type: 'button', class: 'button',
      id: 'send-reset-code' }, 'E-mail me a reset code')),
    field('reset_code', 'Reset code', { required: true, nospell: true,
      autocapitalize: 'characters', autocomplete: 'one-time-code',
      value: params.get('code') || '',
      hint: 'From the e-mail, like ABCDE-FGHJK.' }));
  const fromMail = params.has('code');
  const answers = h('fieldset', { class: 'field', 'data-field': 'answers',
    'aria-describedby': 'f-answers-error' },
  h('legend', {}, 'Your secret answers'),
  h('p', { class: 'hint' }, 'In the order of the questions you chose ' +
    'when you applied.'),
  [0, 1, 2].map((i) => field(`answers[${i}]`, `Answer ${i + 1}`,
    { required: true, autocomplete: 'off', nospell: true })),
  h('p', { id: 'f-answers-error', class: 'error', 'aria-live': 'polite' }));
  answers.input = answers.querySelector('input');
  const f = h('form', { novalidate: true, id: 'reset' },
    h('fieldset', {}, h('legend', {}, 'What you have'),
      radio('with', 'letter', 'The letter with my activation code',
        !fromMail),
      radio('with', 'mail', 'No letter yet: a code by e-mail', fromMail)),
    byCode, byApp, answers,
    field('new_password', 'New password', { required: true,
      type: 'password', autocomplete: 'new-password',
      hint: 'At least 8 characters; a long phrase is best.' }),
    field('new_password_again', 'The same password again', {
      required: true, type: 'password', autocomplete: 'new-password' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' },
        'Set the new password')));
  render(main, 'Reset your password', box, f);
  const letter = () => f.querySelector('[name="with"]:checked').value ===
    'letter';
  byCode.hidden = !letter();
  byApp.hidden = letter();
  f.addEventListener('change', (ev) => {
    if (ev.target.name !== 'with') return;
    byCode.hidden = !letter();
    byApp.hidden = letter();
  });
  const val = (n) => f.querySelector(`[name="${CSS.escape(n)}"]`).value;

  f.querySelector('#send-reset-code').addEventListener('click', async () => {
    alert(box, '');
    const id = val('application_id').trim();
    if (!id) {
      setError(f, 'application_id', 'is required');
      f.querySelector('[name="application_id"]').focus();
      return;
    }
    setError(f, 'application_id', null);
    try {
      await call('POST', '/v1/password-resets/codes', { application_id: id });
      alert(box, 'If this application has a verified e-mail address, a ' +
        'reset code is on its way to it.', 'ok');
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      showProblem(f, box, e);
    }
  });

  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alert(box, '');
    const names = letter() ? ['activation_code'] :
      ['application_id', 'reset_code'];
    let first = null;
    for (const n of names) {
      const msg = val(n).trim() ? null : 'is required';
      setError(f, n, msg);
      if (msg && !first) first = n;
    }
    for (let i = 0; i < 3; i++) {
      const msg = val(`answers[${i}]`).trim() ? null : 'is required';
      setError(f, `answers[${i}]`, msg);
      if (msg && !first) first = `answers[${i}]`;
    }
    const pw = val('new_password');
    const pwMsg = RULES['account.password'](pw, {});
    setError(f, 'new_password', pwMsg);
    if (pwMsg && !first) first = 'new_password';
    const againMsg = val('new_password_again') === pw ? null
      : 'must be the same password again';
    setError(f, 'new_password_again', againMsg);
    if (againMsg && !first) first = 'new_password_again';
    if (first) {
      f.querySelector(`[name="${CSS.escape(first)}"]`).focus();
      return;
    }
    const body = { answers: [0, 1, 2].map((i) => val(`answers[${i}]`)),
      new_password: pw };
    if (letter()) body.activation_code = val('activation_code').trim();
    else {
      body.application_id = val('application_id').trim();
      body.reset_code = val('reset_code').trim().toUpperCase();
    }
    try {
      await call('POST', '/v1/password-resets', body);
      setSession(null);
      render(main, 'Your password is changed',
        h('p', { class: 'alert ok', role: 'status' }, 'Log in with your ' +
          'new password. Any other open session has ended.'),
        h('p', {}, h('a', { class: 'button primary', href: '/status' },
          'Log in')));
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      if (e.status === 401)
        alert(box, 'The code or the answers do not match. Check them and ' +
          'try again.');
      else if (e.status === 429)
        alert(box, 'Too many tries: wait a moment before trying again.');
      else showProblem(f, box, e);
    }
  });
}
