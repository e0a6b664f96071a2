// /passkeys: log in (../login.js), then the application's passkeys (GET
// /v1/applications/{id}/passkeys) and "Register a passkey": the options
// with a single-use challenge (POST .../passkeys/options), the browser's
// navigator.credentials.create() (user verification required: the
// phone's screen lock or the key's PIN), and its answer posted as
// base64url (POST .../passkeys).  A passkey can be revoked here.  The
// checks are the server's (docs/passkeys.md); this page only carries
// bytes.  The session is a bearer token kept in memory only (../api.js).
import { call, setSession, getSession, Problem } from '../api.js';
import { loginView } from '../login.js';
import {
  h, field, setError, showProblem, alert, alertBox, render, when,
} from '../ui.js';

const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (s) => Uint8Array.from(
  atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const TRUST = {
  trusted: 'a make the CA trusts',
  untrusted: 'a make the CA does not know',
  self: 'no maker statement',
  none: 'no maker statement',
};

// The options as navigator.credentials.create() takes them.
function publicKey(o) {
  return {
    challenge: unb64url(o.challenge),
    rp: o.rp,
    user: { ...o.user, id: unb64url(o.user.id) },
    pubKeyCredParams: o.pubKeyCredParams,
    timeout: o.timeout,
    attestation: o.attestation,
    authenticatorSelection: o.authenticatorSelection,
    excludeCredentials: o.excludeCredentials.map((c) =>
      ({ type: c.type, id: unb64url(c.id) })),
  };
}

function row(appId, p, refresh, box) {
  const revoke = p.status === 'active'
    ? h('button', { type: 'button', class: 'button' }, 'Revoke') : null;
  if (revoke) {
    revoke.setAttribute('aria-label', `Revoke ${p.name}`);
    revoke.addEventListener('click', async () => {
      try {
        await call('POST', `/v1/applications/${appId}/passkeys/` +
          `${p.id}/revocation`, undefined, { auth: true });
        await refresh(`${p.name} is revoked.`);
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        alert(box, e.message);
      }
    });
  }
  return h('li', { class: 'passkey', 'data-id': p.id, 'data-status': p.status },
    h('strong', {}, p.name), ' ',
    h('span', {}, p.status === 'active'
      ? `registered ${when(p.created_at)}, ${TRUST[p.attestation.trust]}`
      : `revoked ${when(p.revoked_at)}`), ' ', revoke);
}

async function showPasskeys(main, note = '') {
  const appId = getSession().application_id;
  const { passkeys } = await call('GET',
    `/v1/applications/${appId}/passkeys`, undefined, { auth: true });
  const box = alertBox();
  const done = h('p', { class: 'alert ok', role: 'status',
    hidden: !note }, note);
  const refresh = (text) => showPasskeys(main, text);
  const form = h('form', { novalidate: true, id: 'register' },
    h('h2', {}, 'Register a passkey'),
    h('p', {}, 'Your phone or security key keeps a key that never ' +
      'leaves it. Each approval asks for its screen lock, fingerprint, ' +
      'face or PIN.'),
    field('name', 'A name for this passkey', { value: 'My phone',
      hint: 'So you can tell your passkeys apart, like "My phone".' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' },
        'Register a passkey')));
  render(main, 'Your passkeys', done, box,
    passkeys.length
      ? h('ul', { class: 'passkeys' },
        ...passkeys.map((p) => row(appId, p, refresh, box)))
      : h('p', {}, 'You have no passkey yet.'),
    window.PublicKeyCredential ? form
      : h('p', {}, 'This browser cannot make passkeys.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alert(box, '');
    const name = form.querySelector('[name="name"]').value.trim();
    setError(form, 'name', name && name.length <= 64 ? null
      : 'is required, at most 64 characters');
    if (form.querySelector('[aria-invalid="true"]')) return;
    try {
      const o = await call('POST',
        `/v1/applications/${appId}/passkeys/options`, undefined,
        { auth: true });
      let cred;
      try {
        cred = await navigator.credentials.create(
          { publicKey: publicKey(o) });
      } catch (e) {
        alert(box, 'No passkey was made: the device did not confirm ' +
          `it was you (${e.name}). Try again.`);
        return;
      }
      const p = await call('POST', `/v1/applications/${appId}/passkeys`, {
        client_data_json: b64url(cred.response.clientDataJSON),
        attestation_object: b64url(cred.response.attestationObject),
        name,
      }, { auth: true });
      await refresh(`${p.name} is registered.`);
    } catch (e) {
      if (!(e instanceof Problem)) throw e;
      showProblem(form, box, e);
    }
  });
}

export async function show(main, params) {
  if (getSession()) {
    try {
      await showPasskeys(main);
      return;
    } catch (e) {
      if (!(e instanceof Problem) || e.status !== 401) throw e;
      setSession(null);
    }
  }
  loginView(main, params, 'Your passkeys', () => showPasskeys(main));
}
