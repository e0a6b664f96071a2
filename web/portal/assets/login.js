// The log-in form (POST /v1/sessions with the e-mail address or the
// application number, and the account password) shared by the pages
// that need a session; done() runs once the session is set (api.js keeps
// it in memory).
import { call, setSession, Problem } from './api.js';
import {
  h, field, setError, showProblem, alert, alertBox, render,
} from './ui.js';

export function loginView(main, params, title, done) {
  const box = alertBox();
  const form = h('form', { novalidate: true, id: 'login' },
    field('account', 'E-mail address or application number', {
      required: true, autocomplete: 'username', nospell: true,
      value: params.get('application') || '' }),
    field('password', 'Account password', { required: true,
      type: 'password', autocomplete: 'current-password' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Log in')));
  render(main, title, box, form,
    h('p', { class: 'hint' }, 'You stay logged in while this tab is open; ' +
      'nothing is stored on this computer.'),
    h('p', {}, h('a', { href: '/reset-password' }, 'Forgot your password?')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alert(box, '');
    const account = form.querySelector('[name="account"]').value.trim();
    const password = form.querySelector('[name="password"]').value;
    setError(form, 'account', account ? null : 'is required');
    setError(form, 'password', password ? null : 'is required');
    const bad = form.querySelector('[aria-invalid="true"]');
    if (bad) { bad.focus(); return; }
    const body = account.startsWith('app_')
      ? { application_id: account, password }
      : { email: account.toLowerCase(), password };
    try {
      setSession(await call('POST', '/v1/sessions', body));
      await done();
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      if (e.status === 401)
        alert(box, 'The e-mail address, application number or password ' +
          'is wrong.');
      else if (e.errors.length) {
        // the API names email or application_id: both are this field
        e.errors = e.errors.map((x) => ({ ...x, field:
          x.field === 'password' ? 'password' : 'account' }));
        showProblem(form, box, e);
      } else alert(box, e.message);
    }
  });
}

