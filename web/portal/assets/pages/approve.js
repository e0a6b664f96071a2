// /approve?request=<id>: the prescriber, on the device that holds the
// passkey, sees what a partner asks to approve (GET /v1/approvals/{id}:
// the summary and the SHA-256 digests of the prescriptions) and approves
// or denies it with the passkey: navigator.credentials.get() with the
// server's options (a challenge bound to the request id, the digests and a
// nonce; the one passkey asked for; user verification required), its
// answer posted as base64url (POST /v1/approvals/{id}/decision).  No
// session: the link and the passkey are the credentials.  Every check is
// the server's (docs/approvals.md).
import { call, Problem } from '../api.js';
import { h, alert, alertBox, render, when } from '../ui.js';

const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (s) => Uint8Array.from(
  atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const ENDED = {
  approved: 'You approved this request.',
  denied: 'You denied this request.',
  expired: 'This request has expired. Ask your e-prescribing system ' +
    'for a new one.',
};

function publicKey(o) {
  return {
    challenge: unb64url(o.challenge),
    rpId: o.rpId,
    allowCredentials: o.allowCredentials.map((c) =>
      ({ type: c.type, id: unb64url(c.id) })),
    userVerification: o.userVerification,
    timeout: o.timeout,
  };
}

function details(r) {
  return [
    h('h2', {}, 'What you are asked to approve'),
    h('p', { class: 'summary', id: 'summary' }, r.summary),
    h('h3', {}, r.digests.length === 1 ? 'Prescription fingerprint'
      : 'Prescription fingerprints'),
    h('p', {}, 'Your e-prescribing system shows the same SHA-256 ' +
      'fingerprint beside the prescription.'),
    h('ul', { class: 'digests' },
      ...r.digests.map((d) => h('li', {}, h('code', {}, d)))),
  ];
}

async function decide(id, r, decision, box, main) {
  let cred;
  try {
    cred = await navigator.credentials.get({ publicKey: publicKey(r.options) });
  } catch (e) {
    alert(box, 'Nothing was sent: the device did not confirm it was you ' +
      `(${e.name}). Try again.`);
    return;
  }
  try {
    const out = await call('POST', `/v1/approvals/${id}/decision`, {
      decision,
      credential_id: b64url(cred.rawId),
      client_data_json: b64url(cred.response.clientDataJSON),
      authenticator_data: b64url(cred.response.authenticatorData),
      signature: b64url(cred.response.signature),
    });
    await showRequest(main, id, ENDED[out.state]);
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    alert(box, e.message);
    main.dataset.outcome = 'refused';
  }
}

async function showRequest(main, id, note = '') {
  const r = await call('GET', `/v1/approvals/${encodeURIComponent(id)}`);
  const box = alertBox();
  main.dataset.state = r.state;
  if (r.state !== 'pending') {
    render(main, 'Approve a prescription',
      h('p', { class: 'alert ok', role: 'status', id: 'outcome' },
        note || ENDED[r.state] || r.state),
      ...details(r));
    return;
  }
  const approve = h('button', { type: 'button', class: 'button primary',
    id: 'approve' }, 'Approve with my passkey');
  const deny = h('button', { type: 'button', class: 'button', id: 'deny' },
    'Deny');
  render(main, 'Approve a prescription', box, ...details(r),
    h('p', {}, `This request ends ${when(r.expires_at)}.`),
    window.PublicKeyCredential
      ? h('div', { class: 'actions' }, approve, deny)
      : h('p', {}, 'This browser cannot use passkeys.'));
  approve.addEventListener('click', () => decide(id, r, 'approve', box, main));
  deny.addEventListener('click', () => decide(id, r, 'deny', box, main));
}

export async function show(main, params) {
  const id = params.get('request') || '';
  if (!/^apv_[A-Za-z0-9_-]{1,40}$/.test(id)) {
    render(main, 'Approve a prescription',
      h('p', { class: 'alert error', role: 'alert' },
        'This link is not complete. Open the link from your e-mail or ' +
        'scan the code again.'));
    return;
  }
  try {
    await showRequest(main, id);
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    render(main, 'Approve a prescription',
      h('p', { class: 'alert error', role: 'alert' }, e.status === 404
        ? 'There is no such request. Open the link from your e-mail ' +
          'again.' : e.message));
  }
}
