// /status: log in (POST /v1/sessions: e-mail address or application
// number, and the account password), then the application's status, its
// timeline and what happens next (GET /v1/applications/{id}).  The
// session is a bearer token kept in memory only (../api.js).
import { call, setSession, getSession, Problem } from '../api.js';
import {
  h, field, setError, showProblem, alert, alertBox, render, when,
} from '../ui.js';

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

const label = (s) => (STATUS[s] || [s])[0];

function statusView(main, app) {
  const [title, next] = STATUS[app.status] || [app.status, ''];
  const logout = h('button', { type: 'button', class: 'button' }, 'Log out');
  logout.addEventListener('click', () => {
    setSession(null);
    loginView(main, new URLSearchParams());
  });
  const steps = (app.timeline || []).map((e) => h('li', {},
    h('span', { class: 'when' }, when(e.at)), ' ',
    h('strong', {}, label(e.status)),
    e.note ? h('span', { class: 'note' }, ` ${e.note}`) : null));
  render(main, 'Your application',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Application'), h('dd', { id: 'app-id' }, app.id),
      h('dt', {}, 'Status'),
      h('dd', { id: 'app-status', class: `status ${app.status}` }, title),
      h('dt', {}, 'Applicant'),
      h('dd', {}, `${app.applicant.given_name} ${app.applicant.family_name}`),
      h('dt', {}, 'Certificate'), h('dd', {}, app.product),
      h('dt', {}, 'Applied'), h('dd', {}, when(app.created_at))),
    h('h2', {}, 'What happens next'), h('p', { id: 'next' }, next),
    app.status === 'email_pending' ? h('p', {}, h('a', {
      href: `/verify-email?application=${encodeURIComponent(app.id)}` },
    'Enter your verification code')) : null,
    h('h2', {}, 'Timeline'), h('ol', { class: 'timeline' }, steps),
    h('p', {}, logout));
}

function loginView(main, params) {
  const box = alertBox();
  const form = h('form', { novalidate: true, id: 'login' },
    field('account', 'E-mail address or application number', {
      required: true, autocomplete: 'username', nospell: true,
      value: params.get('application') || '' }),
    field('password', 'Account password', { required: true,
      type: 'password', autocomplete: 'current-password' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Log in')));
  render(main, 'Follow your application', box, form,
    h('p', { class: 'hint' }, 'You stay logged in while this tab is open; ' +
      'nothing is stored on this computer.'));
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
      const app = await call('GET', '/v1/applications/' +
        encodeURIComponent(getSession().application_id), undefined,
      { auth: true });
      statusView(main, app);
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

export async function show(main, params) {
  loginView(main, params);
}
