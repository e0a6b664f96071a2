// The landing page: products and prices (GET /v1/products), what to have
// ready, the three phases, and the start.
import { call, money } from '../api.js';
import { h, render, alertBox, alert } from '../ui.js';

export async function show(main, params) {
  const box = alertBox();
  const list = h('div', { class: 'products' });
  const carry = new URLSearchParams();
  for (const k of ['program', 'invitation', 'voucher'])
    if (params.get(k)) carry.set(k, params.get(k));
  render(main, 'Your certificate for e-prescribing',
    h('p', { class: 'lead' },
      'To prescribe controlled substances electronically (EPCS), the DEA ' +
      'requires two-factor authentication and a check of your identity. ' +
      'Apply here for the certificate and the USB token that hold it.'),
    box,
    h('h2', {}, 'Choose a certificate'), list,
    h('h2', {}, 'Before you start, have ready'),
    h('ul', { class: 'ready' },
      h('li', {}, 'Your own e-mail address and mobile or office phone number'),
      h('li', {}, 'Your DEA registration number and your NPI (for EPCS)'),
      h('li', {}, 'Your date of birth and the last 4 digits of your Social ' +
        'Security number (to check your identity)'),
      h('li', {}, 'Your home address: the token and the letter with your ' +
        'activation code are mailed there'),
      h('li', {}, 'A credit card for address verification (not charged) and ' +
        'a card to pay with')),
    h('p', {}, 'You must fill in the application yourself: no one may apply ' +
      'on your behalf.'),
    h('h2', {}, 'It takes three steps'),
    h('ol', { class: 'phases' },
      h('li', {}, h('strong', {}, 'Apply. '),
        'Choose a certificate, fill in your information, set your account ' +
        'password and secret questions, accept the agreement and pay.'),
      h('li', {}, h('strong', {}, 'Get verified. '),
        'Confirm your e-mail address with the link we send you; we then ' +
        'check your identity. You can follow this on the status page.'),
      h('li', {}, h('strong', {}, 'Retrieve. '),
        'With the letter and token we mail you, put your certificate on ' +
        'the token.')),
    h('p', {}, h('a', { class: 'button primary', id: 'start',
      href: '/apply' + (carry.size ? '?' + carry : '') }, 'Start your application')),
    h('p', {}, 'Already applied? ', h('a', { href: '/status' },
      'See the status of your application')));
  try {
    const cat = await call('GET', '/v1/products');
    for (const p of cat.products) {
      const href = new URLSearchParams(carry);
      href.set('product', p.code);
      list.append(h('section', { class: 'card', 'aria-labelledby': 'p-' + p.code },
        h('h3', { id: 'p-' + p.code }, p.name),
        h('p', { class: 'price' }, money(p.price)),
        h('p', {}, p.description),
        h('p', { class: 'hint' }, `Valid for ${p.validity_months / 12} years` +
          (p.epcs ? '; for prescribing controlled substances.' : '.')),
        p.storage_options.length > 1 ? h('ul', {},
          p.storage_options.map((s) =>
            h('li', {}, `${s.name}: ${money(s.price)}`))) : null,
        h('a', { class: 'button', href: '/apply?' + href }, 'Apply for this one',
          h('span', { class: 'sr-only' }, `: ${p.name}`))));
    }
  } catch (e) {
    alert(box, 'The products could not be loaded: ' + e.message);
  }
}
