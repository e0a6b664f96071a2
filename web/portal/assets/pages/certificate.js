// /certificate?serial=<hex>: one certificate, its status by the server's
// clock, its PEM, *Test my certificate* (docs/portal.md).
import { call, getSession, setSession, serverNow, Problem } from
  '../api.js';
import { loginView } from '../login.js';
import { h, alert, alertBox, render, when } from '../ui.js';

const KEY = {
  attested: 'Attested by the token',
  'client-asserted': 'Reported by the token client',
  none: 'Not recorded',
};

function detail(main, c) {
  const now = serverNow();
  const expired = Date.parse(c.not_after) <= now;
  const status = c.status === 'revoked' ? 'Revoked'
    : expired ? 'Expired' : 'Valid';
  const serial = encodeURIComponent(c.serial);
  const ev = c.key_evidence || { kind: 'none' };
  render(main, 'Your certificate',
    h('dl', { class: 'facts', id: 'cert-facts' },
      h('dt', {}, 'Status'),
      h('dd', { id: 'cert-status', class: 'status' }, status),
      h('dt', {}, 'Serial number'), h('dd', { id: 'cert-serial' }, c.serial),
      h('dt', {}, 'Subject'), h('dd', {}, c.subject),
      h('dt', {}, 'Valid from'), h('dd', {}, when(c.not_before)),
      h('dt', {}, 'Valid until'), h('dd', {}, when(c.not_after)),
      h('dt', {}, 'Issued'), h('dd', {}, when(c.issued_at)),
      h('dt', {}, 'Issued by'), h('dd', {}, `rxca ${c.issuer} CA`),
      h('dt', {}, 'Key storage'), h('dd', { id: 'cert-key' },
        KEY[ev.kind] || ev.kind, ev.token && ev.token.model
          ? `: ${ev.token.model}` : ''),
      h('dt', {}, 'Application'), h('dd', {}, c.application_id)),
    c.status === 'revoked' || expired ? null : h('p', { class: 'actions' },
      h('a', { class: 'button primary', href: `/retrieve?test=${serial}`,
        id: 'test-cert' }, 'Test my certificate')),
    h('details', {}, h('summary', {}, 'The certificate (PEM)'),
      h('pre', { class: 'pem', tabindex: '0' }, c.certificate)),
    h('p', {}, h('a', { href: '/status' }, 'Back to your application')));
}

async function load(main, serial, box) {
  try {
    detail(main, await call('GET', `/v1/certificates/${serial}`, undefined,
      { auth: true }));
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    if (e.status === 401) {
      setSession(null);
      throw e;
    }
    render(main, 'Certificate not found', box,
      h('p', {}, h('a', { href: '/status' }, 'Back to your application')));
    alert(box, 'No certificate of your application has this serial ' +
      'number.');
  }
}

export async function show(main, params) {
  const box = alertBox();
  const serial = params.get('serial') || '';
  if (!/^[0-9a-f]{32}$/.test(serial)) {
    render(main, 'Certificate not found', box,
      h('p', {}, h('a', { href: '/status' }, 'Your application')));
    alert(box, 'The link has no valid serial number.');
    return;
  }
  if (getSession()) {
    try {
      await load(main, serial, box);
      return;
    } catch (e) {
      if (!(e instanceof Problem) || e.status !== 401) throw e;
    }
  }
  loginView(main, params, 'Log in to see your certificate',
    () => load(main, serial, box));
}
