// The payment provider's card frame (docs/portal.md, "Card entry"): the
// card is typed into the provider's own page in an iframe, and only its
// token comes back here, by postMessage.  Messages are taken only from
// that frame's window on the provider's origin, and sent only to it; the
// frame in turn takes messages only from this page's origin (given in
// its URL and checked by the provider against the origins it serves).
import { h } from './ui.js';

const frames = new Map(); // id -> {iframe, origin, ready, pending}

window.addEventListener('message', (ev) => {
  const d = ev.data;
  if (!d || typeof d !== 'object' || typeof d.id !== 'string') return;
  const f = frames.get(d.id);
  if (!f || ev.origin !== f.origin || ev.source !== f.iframe.contentWindow)
    return;
  if (d.type === 'rxpay:ready') { f.ready = true; f.onready(); return; }
  if (d.type === 'rxpay:resize') {
    const px = Number(d.height);
    if (Number.isFinite(px) && px > 0)
      f.iframe.style.height = `${Math.min(800, Math.ceil(px) + 4)}px`;
    return;
  }
  const p = f.pending;
  if (!p) return;
  f.pending = null;
  clearTimeout(p.timer);
  if (d.type === 'rxpay:token' && typeof d.token === 'string')
    p.resolve({ token: d.token, last4: d.last4, brand: d.brand });
  else p.reject(new Error(typeof d.message === 'string' ? d.message
    : 'The card could not be used.'));
});

// A labelled card frame for the application field name (e.g.
// payment.card_token), from the provider's form URL.  The element
// returned has .tokenize(): a promise of {token, last4, brand}.
export function cardFrame(url, id, name, label, hint) {
  const src = new URL(url);
  src.searchParams.set('origin', location.origin);
  src.searchParams.set('id', id);
  const fid = 'f-' + name.replace(/[^A-Za-z0-9]+/g, '-');
  const iframe = h('iframe', { src: src.href, id: fid, class: 'card-frame',
    title: `${label}: the payment provider's secure card form`,
    'aria-describedby': `${fid}-hint ${fid}-error` });
  const wrap = h('div', { class: 'field', 'data-field': name },
    h('p', { class: 'label', id: `${fid}-label` }, label),
    h('p', { class: 'hint', id: `${fid}-hint` }, hint),
    iframe,
    h('p', { id: `${fid}-error`, class: 'error', 'aria-live': 'polite' }));
  wrap.input = iframe;
  const f = { iframe, origin: src.origin, ready: false, pending: null,
    onready: () => {} };
  const ready = new Promise((resolve) => { f.onready = resolve; });
  frames.set(id, f);
  wrap.tokenize = async () => {
    if (!f.ready)
      await Promise.race([ready, new Promise((resolve, reject) =>
        setTimeout(() => reject(new Error(
          'The payment provider\'s card form did not load; try again.')),
        15000))]);
    return new Promise((resolve, reject) => {
      f.pending = { resolve, reject, timer: setTimeout(() => {
        f.pending = null;
        reject(new Error('The payment provider did not answer; try again.'));
      }, 20000) };
      iframe.contentWindow.postMessage({ type: 'rxpay:tokenize', id },
        f.origin);
    });
  };
  return wrap;
}
