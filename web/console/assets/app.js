// The operator console (docs/console.md): a hash router over the operator
// API.  Who the operator is and what they may do comes from
// GET /v1/ops/dashboard; what a role may not do is not offered (the server
// refuses it anyway).
import { api, problemText } from './api.js';
import { el, msg, fields, table, tag, when, personName, field } from './ui.js';
import { ocspStatus } from './ocsp.js';

const main = document.getElementById('main');
const state = { me: null, letters: [] };

// The role each dual-control action needs from its second operator.
const ACTION_ROLE = { 'decision.approve': 'reviewer', 'kit.print': 'fulfiller',
  revocation: 'revoker', 'partner.key': 'admin' };
// RFC 5280 reasons an operator may give (certificateHold and removeFromCRL
// are refused by the API).
const REASONS = ['keyCompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'privilegeWithdrawn', 'unspecified'];

function may(role) {
  const r = (state.me && state.me.operator.roles) || [];
  return r.includes(role) || r.includes('admin');
}

function show(title, ...kids) {
  document.title = `${title} · rxca console`;
  main.replaceChildren(el('h1', {}, title), ...kids);
}

async function loadMe() {
  const r = await api('GET', '/v1/ops/dashboard');
  if (r.status !== 200) return r;
  state.me = r.body;
  const o = r.body.operator;
  document.getElementById('who').textContent = `${o.name} (${o.roles.join(', ')})`;
  for (const a of document.querySelectorAll('#nav a[data-role]')) {
    a.hidden = !may(a.dataset.role);
  }
  return r;
}

// --- dashboard -----------------------------------------------------------

function card(label, value, href, warn) {
  const inner = [el('span', { class: 'n' }, value), label];
  return el('div', { class: `card${warn ? ' warn' : ''}` },
    href ? el('a', { href }, inner) : inner);
}

async function pageDashboard() {
  const r = await loadMe();
  if (r.status !== 200) return show('Dashboard', msg('error', problemText(r)));
  const d = r.body;
  const age = d.outbox.oldest_age_seconds;
  const cas = d.cas.map((c) => [
    `${c.name} certificate ends`, when(c.not_after)]);
  const crls = d.cas.filter((c) => c.crl).map((c) => [
    `${c.name} CRL #${c.crl.number} next update`, when(c.crl.next_update)]);
  show('Dashboard',
    el('div', { class: 'cards' },
      card('applications to review', d.review.queue, may('reviewer') ? '#/review' : null),
      card('kits to print', d.kits.to_print, may('fulfiller') ? '#/kits' : null),
      card('kits to ship', d.kits.to_ship, may('fulfiller') ? '#/kits?state=printed' : null),
      card('dual-control actions pending', d.approvals.pending, '#/approvals'),
      card(`mails queued${age !== null ? `, oldest ${Math.round(age / 60)} min` : ''}`,
        d.outbox.backlog, null, age !== null && age > 3600),
      card('OCSP answers past their next update', d.ocsp.stale, null, d.ocsp.stale > 0)),
    el('h2', {}, 'Revocation data and CA certificates'),
    fields([
      ['OCSP answers', d.ocsp.responses],
      ['oldest OCSP thisUpdate', when(d.ocsp.oldest_this_update)],
      ['earliest OCSP nextUpdate', when(d.ocsp.next_update)],
      ...crls, ...cas,
      ['under dual control', d.dual_control.join(', ') || 'nothing'],
    ]));
}

// --- search --------------------------------------------------------------

function resultItem(a) {
  const certs = (a.certificates || []).map((c) => el('li', {},
    el('a', { href: `#/certificates/${c.serial}`, class: 'mono' }, c.serial), ' ',
    tag(c.state), ` until ${when(c.not_after)}`));
  return el('li', { class: 'card' },
    el('a', { href: `#/applications/${a.id}` }, personName(a) || a.id),
    ` · ${a.applicant.email || ''} · `, tag(a.status),
    a.applicant.npi ? ` · NPI ${a.applicant.npi}` : '',
    certs.length ? el('ul', {}, certs) : '');
}

let searchSeq = 0;
async function runSearch(q, out) {
  const seq = ++searchSeq;
  if (q.trim().length < 2) { out.replaceChildren(); return; }
  const r = await api('GET', `/v1/ops/search?q=${encodeURIComponent(q.trim())}`);
  if (seq !== searchSeq) return; // a later keystroke won
  if (r.status !== 200) {
    out.replaceChildren(msg('error', problemText(r)));
    return;
  }
  out.replaceChildren(
    el('p', { role: 'status' }, `${r.body.items.length} found`),
    el('ul', { class: 'results' }, r.body.items.map(resultItem)));
}

function pageSearch(params) {
  const input = el('input', { type: 'search', id: 'q', autocomplete: 'off',
    value: params.get('q') || '' });
  const out = el('div', { id: 'results', 'aria-live': 'polite' });
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      history.replaceState(null, '', `#/search?q=${encodeURIComponent(input.value)}`);
      runSearch(input.value, out);
    }, 150);
  });
  show('Search',
    field('E-mail, name, NPI, DEA number, serial, application or kit id', input,
      'Results come as you type; a name may be a prefix or a letter or two off.'),
    out);
  input.focus();
  if (input.value) runSearch(input.value, out);
}

// --- application -----------------------------------------------------------

async function decide(app, decision, reason, out) {
  const r = await api('POST', `/v1/ops/applications/${app.id}/decision`, { decision, reason });
  if (r.status === 202) {
    out.replaceChildren(msg('ok', `Asked: a second reviewer must confirm (approval ${r.body.id}).`));
  } else if (r.status === 200) {
    out.replaceChildren(msg('ok', `Decided: ${r.body.status}.`));
  } else {
    out.replaceChildren(msg('error', problemText(r)));
  }
}

function reviewForm(app) {
  const reason = el('textarea', { id: 'reason', rows: 2, cols: 50, required: true });
  const out = el('div', { 'aria-live': 'polite' });
  const go = (d) => () => {
    if (!reason.value.trim()) {
      out.replaceChildren(msg('error', 'Give a reason.'));
      reason.focus();
      return;
    }
    decide(app, d, reason.value.trim(), out);
  };
  return el('section', { 'aria-labelledby': 'h-decide' },
    el('h2', { id: 'h-decide' }, 'Decision'),
    field('Reason (the applicant sees it on a rejection)', reason),
    el('button', { type: 'button', id: 'approve', onclick: go('approve') }, 'Approve'),
    el('button', { type: 'button', id: 'reject', class: 'danger', onclick: go('reject') }, 'Reject'),
    out);
}

async function pageApplication(id) {
  const r = await api('GET', `/v1/ops/applications/${encodeURIComponent(id)}`);
  if (r.status !== 200) return show('Application', msg('error', problemText(r)));
  const a = r.body;
  const p = a.applicant;
  const addr = p.home_address || {};
  const kids = [
    el('p', {}, el('span', { class: 'mono' }, a.id), ' ', tag(a.status)),
    fields([
      ['e-mail', p.email], ['phone', p.phone], ['date of birth', p.date_of_birth],
      ['NPI', p.npi], ['DEA number', p.dea_number],
      ['address', [addr.line1, addr.line2, addr.city, addr.state, addr.postal_code,
        addr.country].filter(Boolean).join(', ')],
      ['policy', a.policy], ['product', a.product], ['program', a.program],
      ['received', when(a.created_at)],
    ]),
  ];
  if (a.duplicate !== undefined) {
    kids.push(el('h2', {}, 'Duplicates'));
    kids.push(a.duplicate
      ? el('ul', {}, (a.duplicates || []).map((d) => el('li', {}, tag('duplicate', 'dup'), ' ',
        el('a', { href: `#/applications/${d.application}` }, d.application),
        ` (${d.status}): same ${d.reasons.map((x) => x.replace('name_birth',
          'name and date of birth').replace('dea_number', 'DEA number')
          .replace('npi', 'NPI')).join(', ')}`,
        d.valid_certificate ? ', holds a valid certificate' : '')))
      : el('p', {}, 'No other application or valid certificate with the same NPI, DEA number, or name and date of birth.'));
  }
  if (a.identity_checks) {
    kids.push(el('h2', {}, 'Identity checks'), table([
      ['provider', (c) => c.provider], ['outcome', (c) => c.outcome],
      ['score', (c) => c.score ?? '—'], ['reasons', (c) => (c.reasons || []).join(', ')],
      ['at', (c) => when(c.at)]], a.identity_checks));
  }
  if (a.status === 'review' && may('reviewer')) kids.push(reviewForm(a));
  kids.push(el('h2', {}, 'Certificates'), table([
    ['serial', (c) => el('a', { href: `#/certificates/${c.serial}`, class: 'mono' }, c.serial)],
    ['state', (c) => tag(c.state)], ['valid', (c) => `${when(c.not_before)} – ${when(c.not_after)}`],
    ['revocation', (c) => c.revocation_reason || '—']], a.certificates || []));
  kids.push(el('h2', {}, 'Kits'), kitTable(a.kits || []));
  if (a.payments) {
    kids.push(el('h2', {}, 'Payments'), table([
      ['status', (x) => x.status], ['captured', (x) => money(x.captured_cents, x.currency)],
      ['refunded', (x) => money(x.refunded_cents, x.currency)], ['card', (x) => x.card_last4 || '—'],
      ['', (x) => (may('admin') && x.captured_cents > x.refunded_cents
        ? refundButton(a.id) : '')]], a.payments));
  }
  if (a.timeline) {
    kids.push(el('h2', {}, 'Timeline'), table([['at', (t) => when(t.at)],
      ['status', (t) => t.status], ['by', (t) => t.actor], ['note', (t) => t.note || '']], a.timeline));
  }
  if (a.audit) {
    kids.push(el('h2', {}, 'Audit records'), auditTable(a.audit));
  }
  show(personName(a) || 'Application', ...kids);
}

function money(cents, cur) {
  return cents === undefined ? '—' : `${(cents / 100).toFixed(2)} ${cur || ''}`;
}

function refundButton(appId) {
  const out = el('span', { 'aria-live': 'polite' });
  return el('span', {}, el('button', { type: 'button', class: 'secondary', onclick: async () => {
    const reason = prompt('Reason for the refund');
    if (!reason) return;
    const r = await api('POST', `/v1/ops/payments/${appId}/refund`, { reason });
    out.replaceChildren(r.status === 200 ? msg('ok', 'Refunded.') : msg('error', problemText(r)));
  } }, 'Refund'), out);
}

// --- certificate -------------------------------------------------------------

function revokeForm(cert, person) {
  const reason = el('select', { id: 'reason' }, REASONS.map((x) => el('option', { value: x }, x)));
  const comment = el('input', { id: 'comment', type: 'text', maxlength: 500, size: 40 });
  const out = el('div', { 'aria-live': 'polite' });
  const dialog = el('dialog', { id: 'confirm-revoke', 'aria-labelledby': 'confirm-title' });
  const doRevoke = async () => {
    dialog.close();
    const body = { reason: reason.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    const r = await api('POST', `/v1/ops/certificates/${cert.serial}/revocation`, body);
    if (r.status === 200) {
      out.replaceChildren(msg('ok', `Revoked (${r.body.reason}).`));
      setTimeout(() => route(), 300);
    } else if (r.status === 202) {
      out.replaceChildren(msg('ok', `Asked: a second revoker must confirm (approval ${r.body.id}).`));
    } else {
      out.replaceChildren(msg('error', problemText(r)));
    }
  };
  const ask = () => {
    dialog.replaceChildren(
      el('h2', { id: 'confirm-title' }, `Revoke the certificate of ${person}?`),
      el('p', {}, `Serial ${cert.serial}, reason ${reason.value}. This cannot be undone.`),
      el('button', { type: 'button', id: 'confirm', class: 'danger', onclick: doRevoke },
        `Revoke ${person}'s certificate`),
      el('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'));
    dialog.showModal();
  };
  return el('section', { 'aria-labelledby': 'h-revoke' },
    el('h2', { id: 'h-revoke' }, 'Revoke'),
    field('Reason', reason), field('Comment (optional, one line)', comment),
    el('button', { type: 'button', id: 'revoke', class: 'danger', onclick: ask }, 'Revoke…'),
    dialog, out);
}

async function pageCertificate(serial) {
  const r = await api('GET', `/v1/certificates/${encodeURIComponent(serial)}`);
  if (r.status !== 200) return show('Certificate', msg('error', problemText(r)));
  const c = r.body;
  // Whose it is: the application view names the person.
  const a = await api('GET', `/v1/ops/applications/${c.application_id}`);
  const person = a.status === 200 ? personName(a.body) : c.subject;
  const ocsp = el('dd', { id: 'ocsp' }, 'asking…');
  const kids = [
    el('p', {}, el('a', { href: `#/applications/${c.application_id}` }, person), ' ', tag(c.status)),
    fields([['serial', el('span', { class: 'mono' }, c.serial)], ['subject', c.subject],
      ['issuer', c.issuer], ['not before', when(c.not_before)], ['not after', when(c.not_after)],
      ['issued', when(c.issued_at)]]),
    el('dl', { class: 'fields' }, el('dt', {}, 'OCSP now'), ocsp),
    el('h2', {}, 'Chain'),
    el('ul', {}, el('li', {}, 'this certificate'),
      el('li', {}, el('a', { href: `/pki/${c.issuer}.cer` }, `${c.issuer} CA certificate`)),
      el('li', {}, el('a', { href: '/pki/root.cer' }, 'root CA certificate'))),
  ];
  if (c.status !== 'revoked' && may('revoker')) kids.push(revokeForm(c, person));
  show('Certificate', ...kids);
  ocspStatus(c).then((s) => { ocsp.textContent = s; },
    (e) => { ocsp.textContent = `no answer: ${e.message}`; });
}

// --- review queue --------------------------------------------------------------

async function pageReview() {
  const r = await api('GET', '/v1/ops/applications?status=review');
  if (r.status !== 200) return show('Review', msg('error', problemText(r)));
  show('Review', r.body.items.length ? table([
    ['applicant', (a) => el('a', { href: `#/applications/${a.id}` }, personName(a) || a.id)],
    ['e-mail', (a) => (a.applicant || {}).email || ''],
    ['received', (a) => when(a.created_at)]], r.body.items)
    : el('p', {}, 'Nothing to review.'));
}

// --- kits and letters ------------------------------------------------------------

function kitTable(kits) {
  return table([
    ['kit', (k) => el('span', { class: 'mono' }, k.id)], ['state', (k) => tag(k.state)],
    ['prints', (k) => k.prints ?? '—'],
    ['shipped', (k) => (k.shipped_at ? `${when(k.shipped_at)} ${k.carrier || ''} ${k.tracking || ''}` : '—')],
    ['', (k) => (may('fulfiller') ? kitActions(k) : '')]], kits);
}

function letterShown(letter) {
  state.letters.push(letter);
}

async function printKit(id, out) {
  const r = await api('POST', `/v1/ops/kits/${id}/print`);
  if (r.status === 200) {
    letterShown(r.body);
    out.append(msg('ok', `Letter of ${id} ready.`));
  } else if (r.status === 202) {
    out.append(msg('ok', `Asked: a second fulfiller must confirm the print of ${id} (approval ${r.body.id}).`));
  } else {
    out.append(msg('error', `${id}: ${problemText(r)}`));
  }
  return r.status;
}

function kitActions(k) {
  const out = el('div', { 'aria-live': 'polite' });
  const kids = [];
  if (k.state !== 'used') {
    kids.push(el('button', { type: 'button', class: 'secondary', 'data-print': k.id,
      onclick: async () => {
        if (await printKit(k.id, out) === 200) location.hash = '#/letters';
      } }, k.prints ? 'Reprint' : 'Print letter'));
  }
  if (k.state === 'printed') {
    const carrier = el('input', { type: 'text', size: 8, id: `carrier-${k.id}` });
    const tracking = el('input', { type: 'text', size: 14, id: `tracking-${k.id}` });
    kids.push(el('form', { class: 'ship', onsubmit: async (e) => {
      e.preventDefault();
      const r = await api('POST', `/v1/ops/kits/${k.id}/shipped`,
        { carrier: carrier.value.trim(), tracking: tracking.value.trim() });
      out.replaceChildren(r.status === 200 ? msg('ok', 'Marked shipped.') : msg('error', problemText(r)));
    } }, field('Carrier', carrier), field('Tracking', tracking),
    el('button', { type: 'submit' }, 'Mark shipped')));
  }
  return el('div', {}, kids, out);
}

async function pageKits(params) {
  const st = params.get('state') || 'created';
  const r = await api('GET', `/v1/ops/kits?state=${encodeURIComponent(st)}`);
  if (r.status !== 200) return show('Kits', msg('error', problemText(r)));
  const out = el('div', { 'aria-live': 'polite' });
  const batch = el('button', { type: 'button', id: 'print-all', onclick: async () => {
    for (const k of r.body.items) await printKit(k.id, out);
    if (state.letters.length) location.hash = '#/letters';
  } }, `Print all ${r.body.items.length} queued`);
  show('Kits',
    el('p', {}, el('a', { href: '#/kits?state=created' }, 'to print'), ' · ',
      el('a', { href: '#/kits?state=printed' }, 'to ship'), ' · ',
      el('a', { href: '#/kits?state=shipped' }, 'shipped'), ' · ',
      el('a', { href: '#/letters' }, `letters shown (${state.letters.length})`)),
    st === 'created' && r.body.items.length ? batch : '',
    out, kitTable(r.body.items));
}

function letter(l) {
  const a = l.address || {};
  const portal = (state.me && state.me.public_url) || location.origin;
  return el('section', { class: 'letter' },
    el('p', {}, personName(l)),
    el('p', {}, [a.line1, a.line2].filter(Boolean).join(', ')),
    el('p', {}, [a.city, a.state, a.postal_code, a.country].filter(Boolean).join(' ')),
    el('h2', {}, 'Your rxca certificate is ready'),
    el('p', {}, 'Activation code:'),
    el('p', { class: 'code' }, l.activation_code),
    l.initial_token_passcode
      ? [el('p', {}, 'Initial token passcode (for your new token):'),
        el('p', { class: 'code' }, l.initial_token_passcode)] : '',
    el('p', {}, l.retrieval),
    el('p', {}, `Portal: ${portal}  ·  Kit ${l.kit_id}  ·  Use it before ${when(l.expires_at)}.`));
}

function pageLetters() {
  if (!state.letters.length) {
    return show('Letters', el('p', {}, 'No letter shown in this window. Codes are shown once: a reprint makes new ones.'));
  }
  show('Letters',
    el('p', { class: 'noprint' }, 'Codes are shown only now: print, then leave this page.'),
    el('button', { type: 'button', class: 'noprint', id: 'print', onclick: () => window.print() }, 'Print'),
    el('button', { type: 'button', class: 'noprint secondary', onclick: () => {
      state.letters = [];
      location.hash = '#/kits';
    } }, 'Done: forget the codes'),
    el('div', { id: 'letters' }, state.letters.map(letter)));
}

// --- dual control ------------------------------------------------------------------

async function pageApprovals() {
  if (!state.me) await loadMe();
  const r = await api('GET', '/v1/ops/approvals?status=pending');
  if (r.status !== 200) return show('Approvals', msg('error', problemText(r)));
  const out = el('div', { 'aria-live': 'polite' });
  const mine = state.me ? state.me.operator.id : '';
  const act = (a) => {
    if (a.requested_by.id === mine) return 'yours: another operator decides';
    if (!may(ACTION_ROLE[a.action])) return `needs a ${ACTION_ROLE[a.action]}`;
    return el('span', {},
      el('button', { type: 'button', 'data-confirm': a.id, onclick: async () => {
        const c = await api('POST', `/v1/ops/approvals/${a.id}/confirm`);
        if (c.status !== 200) return out.replaceChildren(msg('error', problemText(c)));
        if (a.action === 'kit.print') {
          letterShown(c.body.result);
          location.hash = '#/letters';
          return null;
        }
        out.replaceChildren(msg('ok', `Confirmed: ${a.action} of ${a.target} took effect.`));
        return pageApprovals().then(() => main.append(out));
      } }, 'Confirm'),
      el('button', { type: 'button', class: 'secondary', onclick: async () => {
        const reason = prompt('Why reject it?');
        if (!reason) return;
        const c = await api('POST', `/v1/ops/approvals/${a.id}/reject`, { reason });
        out.replaceChildren(c.status === 200 ? msg('ok', 'Rejected.') : msg('error', problemText(c)));
      } }, 'Reject'));
  };
  const target = (a) => (a.target.startsWith('app_')
    ? el('a', { href: `#/applications/${a.target}` }, a.target)
    : el('span', { class: 'mono' }, a.target));
  show('Approvals', out, r.body.items.length ? table([
    ['action', (a) => a.action], ['target', target],
    ['asked by', (a) => `${a.requested_by.name} at ${when(a.requested_at)}`],
    ['expires', (a) => when(a.expires_at)], ['', act]], r.body.items)
    : el('p', {}, 'No action waits for a second operator.'));
}

// --- audit -------------------------------------------------------------------------

function auditTable(rows) {
  // A record the audit sequencer has not reached yet has no id (docs/architecture.md).
  return table([['#', (x) => x.id ?? 'pending'], ['at', (x) => when(x.at)], ['actor', (x) => x.actor],
    ['action', (x) => x.action], ['subject', (x) => x.subject],
    ['details', (x) => el('code', {}, JSON.stringify(x.details))]], rows);
}

async function pageAudit(params) {
  // The filters go to the server (exact subject, actor, action; a date
  // range), so they reach the whole log, not one page of it.
  const names = { subject: 'Application, kit or serial', actor: 'Actor (operator:opr_…, system, …)',
    action: 'Action (certificate.revoked, …)', from: 'From date', to: 'To date' };
  const f = {};
  const inputs = Object.keys(names).map((k) => {
    f[k] = el('input', { type: k === 'from' || k === 'to' ? 'date' : 'text', name: k,
      id: `audit-${k}`, value: params.get(k) || '' });
    return field(names[k], f[k]);
  });
  const q = new URLSearchParams({ limit: '200' });
  for (const k of ['subject', 'actor', 'action']) if (params.get(k)) q.set(k, params.get(k));
  if (params.get('from')) q.set('since', `${params.get('from')}T00:00:00Z`);
  if (params.get('to')) {
    const d = new Date(`${params.get('to')}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    q.set('until', d.toISOString().replace(/\.\d+Z$/, 'Z'));
  }
  if (params.get('after')) q.set('after', params.get('after'));
  const verifyOut = el('div', { 'aria-live': 'polite' });
  const r = await api('GET', `/v1/ops/audit?${q}`);
  const cps = await api('GET', '/v1/ops/audit/checkpoints?limit=1000');
  const list = r.status === 200 ? auditTable(r.body.items) : msg('error', problemText(r));
  const next = new URLSearchParams(params);
  if (r.status === 200 && r.body.next_after) next.set('after', r.body.next_after);
  show('Audit',
    el('form', { id: 'audit-filter', onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const [k, i] of Object.entries(f)) if (i.value.trim()) p.set(k, i.value.trim());
      location.hash = `#/audit?${p}`;
    } }, inputs, el('button', { type: 'submit' }, 'Filter')),
    el('button', { type: 'button', id: 'verify', onclick: async () => {
      const v = await api('GET', '/v1/ops/audit/verify');
      const b = v.body || {};
      verifyOut.replaceChildren(v.status !== 200 ? msg('error', problemText(v))
        : b.intact ? msg('ok', `Intact: ${b.records} records, ${b.checkpoints} signed checkpoints`
          + (b.pending ? `; ${b.pending} records not yet sequenced.` : '.'))
          : msg('error', `Broken: first bad record ${b.first_bad_record ?? '—'}, first bad checkpoint ${b.first_bad_checkpoint ?? '—'}.`));
    } }, 'Verify the chain and the checkpoints'),
    verifyOut, list,
    r.status === 200 && r.body.next_after ? el('a', { href: `#/audit?${next}` }, 'Next page') : '',
    el('h2', {}, 'Signed checkpoints'),
    el('p', {}, 'Keep one outside rxca: it verifies with the issuing CA certificate alone (docs/operations.md).'),
    cps.status === 200 ? table([['#', (c) => c.id], ['head record', (c) => c.audit_id],
      ['signed', (c) => when(c.at)], ['head hash', (c) => el('code', {}, c.head_hash)],
      ['', (c) => el('a', { href: `/v1/ops/audit/checkpoints/${c.id}`, download: `rxca-audit-checkpoint-${c.id}.json` },
        `Download checkpoint ${c.id}`)]], cps.body.items) : msg('error', problemText(cps)));
}

// --- partners and payments -------------------------------------------------------------

// Shown once, as the API shows it: a secret the operator hands on.
function once(label, value) {
  return el('div', { class: 'once' }, el('p', {}, `${label} (shown this once; copy it now):`),
    el('pre', { class: 'mono', tabindex: 0 }, value));
}

async function pagePartners() {
  const r = await api('GET', '/v1/ops/partners');
  if (r.status !== 200) return show('Partners', msg('error', problemText(r)));
  const kids = [table([
    ['partner', (x) => {
      const a = el('a', { href: `#/partners/${x.id}` }, x.name);
      // A sandbox (docs/partners.md#sandbox): its program's certificates
      // come from the test CA, never production's.
      return x.sandbox_of ? [a, ' ', tag('sandbox')] : a;
    }],
    ['program', (x) => el('span', { class: 'mono' }, x.program)],
    ['applications', (x) => (x.program_open ? 'open' : 'invitation only')],
    ['live keys', (x) => x.keys_live], ['vouchers left', (x) => `${x.vouchers_left} of ${x.vouchers}`],
    ['webhook', (x) => x.webhook_url || '—'], ['since', (x) => when(x.created_at)]], r.body.items)];
  if (!r.body.items.length) kids.push(msg('ok', 'No partner yet.'));
  if (may('admin')) {
    const name = el('input', { type: 'text', id: 'p-name', required: true, maxlength: 100 });
    const program = el('input', { type: 'text', id: 'p-program', required: true, maxlength: 64,
      pattern: '[a-z0-9][a-z0-9\\-]*' });
    const out = el('div', { 'aria-live': 'polite' });
    kids.push(el('form', { onsubmit: async (e) => {
      e.preventDefault();
      const c = await api('POST', '/v1/ops/partners', { name: name.value, program: program.value });
      if (c.status === 201) location.hash = `#/partners/${c.body.id}`;
      else out.replaceChildren(msg('error', problemText(c)));
    } }, el('h2', {}, 'New partner'), field('Name', name),
    field('Program code', program, 'Lower-case letters, digits and hyphens; applications name it.'),
    el('button', { type: 'submit' }, 'Create partner'), out));
  }
  show('Partners', ...kids);
}

// notice: what the last action showed (a key or codes shown once), kept
// above the page drawn again with the partner's new state.
async function pagePartner(id, notice = null) {
  const r = await api('GET', `/v1/ops/partners/${encodeURIComponent(id)}`);
  if (r.status !== 200) return show('Partner', msg('error', problemText(r)));
  const x = r.body;
  const out = el('div', { 'aria-live': 'polite' }, notice);
  const again = (n) => pagePartner(x.id, n);
  const kids = [fields([['program', x.program],
    ['world', x.sandbox_of
      ? el('span', {}, tag('sandbox'), ' test CA only, of live partner ',
        el('a', { href: `#/partners/${x.sandbox_of}` }, x.sandbox_of))
      : 'live'],
    ['applications', x.program_open ? 'open to anyone naming the program' : 'by invitation only'],
    ['webhook', x.webhook_url], ['since', when(x.created_at)]]), out];
  const revoke = (k) => el('button', { type: 'button', class: 'secondary', onclick: async () => {
    if (!confirm(`Revoke key ${k.id} of ${x.name} now? Requests with it fail at once.`)) return;
    const d = await api('DELETE', `/v1/ops/partners/${x.id}/keys/${k.id}`);
    if (d.status === 200) again(msg('ok', `Key ${k.id} revoked.`));
    else out.replaceChildren(msg('error', problemText(d)));
  } }, 'Revoke');
  kids.push(el('h2', {}, 'API keys'), table([
    ['key', (k) => el('span', { class: 'mono' }, k.id)], ['state', (k) => tag(k.state)],
    ['made', (k) => `${when(k.created_at)} by ${k.created_by}`],
    ['ends', (k) => when(k.expires_at || k.revoked_at)],
    ['', (k) => (may('admin') && k.state !== 'revoked' && k.state !== 'expired' ? revoke(k) : '')]],
  x.keys));
  if (may('admin')) {
    kids.push(el('p', {}, el('button', { type: 'button', id: 'new-key', onclick: async () => {
      const k = await api('POST', `/v1/ops/partners/${x.id}/keys`);
      if (k.status === 201) again(once(`API key ${k.body.key_id}`, k.body.api_key));
      else if (k.status === 202) {
        out.replaceChildren(msg('ok', `Asked: a second admin must confirm (approval ${k.body.id}); they see the key.`));
      } else out.replaceChildren(msg('error', problemText(k)));
    } }, 'New API key')));
  }
  kids.push(el('h2', {}, `Vouchers: ${x.vouchers_left} of ${x.vouchers} left`), table([
    ['code', (v) => el('span', { class: 'mono' }, v.code)],
    ['amount', (v) => money(v.amount_cents, 'USD')], ['made', (v) => when(v.created_at)],
    ['redeemed', (v) => (v.redeemed_by
      ? el('a', { href: `#/applications/${v.redeemed_by}` }, when(v.redeemed_at)) : '—')]],
  x.voucher_list));
  if (may('admin')) {
    const amount = el('input', { type: 'number', id: 'v-amount', min: 0.01, max: 10000, step: 0.01,
      required: true, value: '50.00' });
    const count = el('input', { type: 'number', id: 'v-count', min: 1, max: 100, required: true, value: 10 });
    kids.push(el('form', { onsubmit: async (e) => {
      e.preventDefault();
      const v = await api('POST', `/v1/ops/partners/${x.id}/vouchers`, {
        amount_cents: Math.round(Number(amount.value) * 100), count: Number(count.value) });
      if (v.status === 201) again(once(`${v.body.codes.length} voucher codes`, v.body.codes.join('\n')));
      else out.replaceChildren(msg('error', problemText(v)));
    } }, el('h2', {}, 'Make vouchers'), field('Amount off each (USD)', amount),
    field('How many', count), el('button', { type: 'submit' }, 'Make vouchers')));
  }
  show(x.name, ...kids);
}

async function pagePayments(params) {
  const app = el('input', { type: 'text', id: 'pay-app', value: params.get('application') || '' });
  const out = el('div', {});
  const load = async () => {
    const q = app.value.trim() ? `?application=${encodeURIComponent(app.value.trim())}` : '';
    const r = await api('GET', `/v1/ops/payments${q}`);
    out.replaceChildren(r.status === 200
      ? el('pre', { class: 'mono' }, JSON.stringify(r.body, null, 2)) : msg('error', problemText(r)));
  };
  show('Payments and refunds',
    el('form', { onsubmit: (e) => { e.preventDefault(); load(); } },
      field('Application id', app), el('button', { type: 'submit' }, 'Show')),
    el('p', {}, 'Refunds are made from the application page (admin).'), out);
}

// --- router --------------------------------------------------------------------------

async function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query || '');
  const parts = (path || '/').split('/').filter(Boolean);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${parts[0] || ''}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.documentElement.dataset.ready = 'false';
  if (!state.me && parts[0]) await loadMe();
  const pages = {
    '': () => pageDashboard(), search: () => pageSearch(params),
    applications: () => pageApplication(parts[1]), certificates: () => pageCertificate(parts[1]),
    review: () => pageReview(), kits: () => pageKits(params), letters: () => pageLetters(),
    approvals: () => pageApprovals(), audit: () => pageAudit(params),
    partners: () => (parts[1] ? pagePartner(parts[1]) : pagePartners()), payments: () => pagePayments(params),
  };
  const page = pages[parts[0] || ''];
  if (page) await page();
  else show('Not found', el('p', {}, 'There is no such page.'));
  document.documentElement.dataset.ready = 'true';
}

window.addEventListener('hashchange', () => { route(); main.focus(); });
route();
