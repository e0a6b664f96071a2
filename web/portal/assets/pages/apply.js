// /apply: the application as a short wizard in the seeds' first phase
// (choose, your information, your account, agreement and payment), each
// field checked as it is typed by the server's rules (../rules.js), the
// live quote (POST /v1/applications/quote), and the server's field
// errors shown at their fields.  ?product=, ?program=, ?invitation= and
// ?voucher= (a partner's invitation link) prefill the first step; a
// re-application after expiry comes with the old application's prefill
// (status.js hands it over).  The agreement shown is the server's
// (GET /v1/application-form); the cards are typed into the payment
// provider's frame (../cardframe.js) and only their tokens are sent.
import { call, money, Problem, setSession } from '../api.js';
import { RULES } from '../rules.js';
import { applicationForm, paragraphs } from '../form.js';
import { cardFrame } from '../cardframe.js';
import {
  h, field, checkbox, setError, showProblem, alert, alertBox, render, when,
} from '../ui.js';

const STEPS = ['Certificate', 'Your information', 'Your account',
  'Agreement and payment'];

let catalog = null;
const state = { step: 0, touched: new Set() };

// Every field's value by the server's name (and epcs for the rules).
function values(form) {
  const f = {};
  for (const el of form.querySelectorAll('input, select')) {
    if (!el.name) continue;
    if (el.type === 'radio') { if (el.checked) f[el.name] = el.value; }
    else if (el.type === 'checkbox') f[el.name] = el.checked;
    else f[el.name] = el.value;
  }
  const prod = catalog && catalog.products.find((p) => p.code === f.product);
  f.epcs = !!(prod && prod.epcs);
  return f;
}

function check(form, name) {
  const rule = RULES[name];
  if (!rule) return null;
  const f = values(form);
  const msg = rule(f[name] ?? '', f);
  setError(form, name, msg);
  return msg;
}

// Checks the fields of one step; focuses the first in error.  true if
// all pass.
function checkStep(form, section) {
  let first = null;
  for (const wrap of section.querySelectorAll('[data-field]')) {
    const name = wrap.dataset.field;
    state.touched.add(name);
    if (check(form, name) && !first) first = wrap;
  }
  if (first) first.input.focus();
  return !first;
}

function radios(name, legend, options, hint) {
  const errId = `f-${name}-error`;
  const fs = h('fieldset', { class: 'field', 'data-field': name,
    'aria-describedby': errId },
  h('legend', {}, legend),
  hint ? h('p', { class: 'hint' }, hint) : null,
  options.map((o, i) => h('div', { class: 'radio' },
    h('input', { type: 'radio', name, id: `f-${name}-${i}`, value: o.value,
      checked: o.checked }),
    h('label', { for: `f-${name}-${i}` }, o.label))),
  h('p', { id: errId, class: 'error', 'aria-live': 'polite' }));
  fs.input = fs.querySelector('input');
  return fs;
}

function productStep(params) {
  const want = params.get('product');
  const products = catalog.products;
  const chosen = products.find((p) => p.code === want) || products[0];
  return h('section', { 'data-step': '0' },
    radios('product', 'Certificate', products.map((p) => ({
      value: p.code, label: `${p.name}: ${money(p.price)}`,
      checked: p === chosen }))),
    h('div', { id: 'storage-box' }),
    field('shipping', 'Shipping of your token and letter', {
      options: [], required: true }),
    field('program', 'EHR program', { required: false,
      value: params.get('program') || '', nospell: true,
      hint: 'Filled in for you when you came from your EHR\'s invitation.' }),
    field('voucher', 'Voucher code', { required: false,
      value: params.get('voucher') || '', nospell: true,
      autocapitalize: 'characters' }));
}

function identityStep() {
  return h('section', { 'data-step': '1', hidden: true },
    h('p', {}, 'Enter your details exactly as they appear on your DEA ' +
      'registration. They are checked against independent sources.'),
    field('applicant.given_name', 'First name', { required: true,
      autocomplete: 'given-name' }),
    field('applicant.middle_name', 'Middle name', {
      autocomplete: 'additional-name' }),
    field('applicant.family_name', 'Last name', { required: true,
      autocomplete: 'family-name' }),
    field('applicant.date_of_birth', 'Date of birth', { required: true,
      type: 'date', autocomplete: 'bday',
      hint: 'You must be at least 18.' }),
    field('applicant.email', 'E-mail address', { required: true,
      type: 'email', autocomplete: 'email',
      hint: 'We send a link here to verify it; only you should read it.' }),
    field('applicant.phone', 'Phone number', { required: true, type: 'tel',
      autocomplete: 'tel', hint: 'With the country code, e.g. +13175550100.' }),
    h('fieldset', {}, h('legend', {}, 'Home address'),
      h('p', { class: 'hint' }, 'Your token and the letter with your ' +
        'activation code are mailed here.'),
      field('applicant.home_address.line1', 'Street address', {
        required: true, autocomplete: 'address-line1' }),
      field('applicant.home_address.line2', 'Apartment, suite', {
        autocomplete: 'address-line2' }),
      field('applicant.home_address.city', 'City', { required: true,
        autocomplete: 'address-level2' }),
      field('applicant.home_address.state', 'State', { required: true,
        autocomplete: 'address-level1', autocapitalize: 'characters',
        hint: 'Two letters, e.g. IN.', maxlength: 64 }),
      field('applicant.home_address.postal_code', 'ZIP code', {
        required: true, autocomplete: 'postal-code', inputmode: 'numeric' }),
      field('applicant.home_address.country', 'Country', { required: true,
        value: 'US', autocomplete: 'country', autocapitalize: 'characters',
        maxlength: 2, hint: 'Two letters: US for the United States.' })),
    h('fieldset', {}, h('legend', {}, 'Prescriber numbers'),
      field('applicant.npi', 'NPI', { inputmode: 'numeric', maxlength: 10,
        hint: 'Your 10-digit National Provider Identifier.' }),
      field('applicant.dea_number', 'DEA registration number', {
        maxlength: 9, autocapitalize: 'characters',
        hint: 'Two letters and seven digits, e.g. AL1234563.' })),
    field('applicant.ssn_last4', 'Last 4 digits of your Social Security number',
      { required: true, inputmode: 'numeric', maxlength: 4,
        type: 'password', autocomplete: 'off' }));
}

function accountStep() {
  const qs = [];
  const examples = ['The name of your first pet?',
    'The city where you were born?', 'Your favourite teacher\'s name?'];
  for (let i = 0; i < 3; i++)
    qs.push(h('fieldset', {}, h('legend', {}, `Secret question ${i + 1}`),
      field(`account.secret_questions[${i}].question`, 'Question', {
        required: true, hint: `For example: ${examples[i]}` }),
      field(`account.secret_questions[${i}].answer`, 'Answer', {
        required: true, autocomplete: 'off', nospell: true })));
  return h('section', { 'data-step': '2', hidden: true },
    h('p', {}, 'You need this password to follow your application and to ' +
      'put your certificate on the token. If you forget it, you can reset ' +
      'it with your secret answers; without them you must apply again.'),
    field('account.password', 'Account password', { required: true,
      type: 'password', autocomplete: 'new-password',
      hint: 'At least 8 characters; a long phrase is best.' }),
    field('account.password_again', 'The same password again', {
      required: true, type: 'password', autocomplete: 'new-password' }),
    qs);
}

function agreementStep(form) {
  const a = form.agreement;
  const payment = [];
  if (form.payment_form_url) {
    const pay = cardFrame(form.payment_form_url, 'pay',
      'payment.card_token', 'Card to pay with',
      'Charged only once your application is approved.');
    const avs = cardFrame(form.payment_form_url, 'avs',
      'address_verification.card_token', 'Card billed to your home address',
      'Not charged: its billing address confirms your home address.');
    const same = checkbox('same_card', 'This card\'s billing address is my ' +
      'home address: use it for the address check too.');
    same.input.checked = true;
    avs.hidden = true;
    same.input.addEventListener('change', () => {
      avs.hidden = same.input.checked;
    });
    payment.push(pay, same, avs);
  } else {
    payment.push(h('div', { class: 'notice', id: 'payment-notice' },
      h('p', {}, 'Card payment is not available on this site at the ' +
        'moment, so the application cannot be sent from here. Please ' +
        'try again later.')));
  }
  return h('section', { 'data-step': '3', hidden: true },
    h('h2', {}, 'Your price'),
    h('div', { id: 'quote-final', class: 'quote' }),
    h('h2', { id: 'agreement-title' },
      `Subscriber agreement (version ${a.version})`),
    h('div', { class: 'agreement', tabindex: '0', role: 'region',
      'aria-labelledby': 'agreement-title', id: 'agreement-text',
      'data-version': a.version },
    paragraphs(a.text).map((t) => h('p', {}, t))),
    checkbox('subscriber_agreement.accepted',
      `I have read the subscriber agreement (version ${a.version}) and ` +
      'accept it.'),
    h('h2', {}, 'Payment'),
    h('p', { class: 'hint' }, 'Your card is typed into the payment ' +
      'provider\'s own secure form below: rxca never sees its number.'),
    payment);
}

// Which step holds the field called name (for the server's errors).
function stepOf(sections, name) {
  return sections.findIndex((s) =>
    s.querySelector(`[data-field="${CSS.escape(name)}"]`));
}

// Fills the form from a prefill body (GET /v1/applications/{id}/prefill):
// every field it names that the form has.
function fill(form, prefill) {
  const flat = {};
  (function walk(o, path) {
    for (const [k, v] of Object.entries(o || {})) {
      const p = path ? `${path}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, p);
      else if (v != null && typeof v !== 'object') flat[p] = v;
    }
  })(prefill, '');
  for (const [name, v] of Object.entries(flat)) {
    const els = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
    for (const el of els) {
      if (el.type === 'radio') el.checked = el.value === String(v);
      else if (el.type !== 'checkbox') el.value = String(v);
    }
  }
}

function sentView(main, created, email) {
  const id = created.id;
  render(main, 'Check your mail',
    h('p', { class: 'alert ok', role: 'status' },
      `Your application ${id} is received.`),
    h('p', {}, 'We sent an e-mail to ', h('strong', { id: 'sent-to' }, email),
      '. Open the link in it to verify your e-mail address' +
      (created.email_verify_by ? ` by ${when(created.email_verify_by)}.`
        : '.')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Application'), h('dd', { id: 'app-id' }, id),
      h('dt', {}, 'Total'),
      h('dd', {}, created.price ? money(created.price.total) : '')),
    h('h2', {}, 'What happens next'),
    h('ol', { class: 'phases' },
      h('li', {}, 'Verify your e-mail address with the link (or its code).'),
      h('li', {}, 'We check your identity against independent sources: ' +
        'usually a few minutes, at most a few business days.'),
      h('li', {}, 'Once approved, your letter with the activation code ' +
        '(and your token) is mailed to your home address.')),
    h('p', { class: 'actions' },
      h('a', { class: 'button primary',
        href: `/verify-email?application=${encodeURIComponent(id)}` },
      'Enter the code from the e-mail'),
      h('a', { class: 'button', href: '/status' },
        'Follow your application')));
}

function quoteBody(f) {
  const addr = { country: f['applicant.home_address.country'] || 'US' };
  if (f['applicant.home_address.state'])
    addr.state = f['applicant.home_address.state'].trim();
  return {
    product: f.product, storage: f.storage || null,
    shipping: f.shipping || null, program: f.program || null,
    voucher: f.voucher || null, applicant: { home_address: addr },
  };
}

function quoteTable(price) {
  return h('table', {},
    h('caption', { class: 'sr-only' }, 'Price'),
    h('tbody', {}, price.items.map((it) =>
      h('tr', {}, h('th', { scope: 'row' }, it.label),
        h('td', {}, money(it.amount))))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'),
      h('td', { id: 'quote-total' }, money(price.total)))));
}

export async function show(main, params, handed) {
  const prefill = handed && handed.prefill;
  state.step = 0;
  state.touched = new Set();
  const box = alertBox();
  const quoteBox = h('div', { class: 'quote', id: 'quote',
    'aria-live': 'polite' });
  const progress = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  const form = h('form', { novalidate: true, id: 'apply' });
  const back = h('button', { type: 'button', class: 'button' }, 'Back');
  const next = h('button', { type: 'submit', class: 'button primary' },
    'Next');
  render(main, 'Apply for your certificate',
    h('p', { class: 'phase' }, 'Phase 1 of 3: Apply. ',
      'Then: get verified, and retrieve your certificate.'),
    progress, box, form);
  let formInfo;
  try {
    [catalog, formInfo] = await Promise.all([call('GET', '/v1/products'),
      applicationForm()]);
  } catch (e) {
    alert(box, 'The application form could not be loaded: ' + e.message);
    return;
  }
  const sections = [productStep(params), identityStep(), accountStep(),
    agreementStep(formInfo)];
  form.append(...sections, h('h2', { class: 'sr-only' }, 'Price'), quoteBox,
    h('div', { class: 'actions' }, back, next));
  // An invitation link's token (43 base64url characters) ties the
  // application to the partner's program, and the partner sees its
  // invitation "opened".  Anything else in ?invitation= (a link typed by
  // hand, an old link) is left out rather than refused: a closed program
  // then answers at the program field.
  const invitation = params.get('invitation') || '';
  if (/^[A-Za-z0-9_-]{43}$/.test(invitation)) {
    form.append(h('input', { type: 'hidden', name: 'invitation',
      value: invitation }));
    call('POST', '/v1/invitations/open', { token: invitation })
      .catch(() => {});
  }

  const storageBox = form.querySelector('#storage-box');
  const shipping = form.querySelector('[data-field="shipping"]').input;
  function fillOptions() {
    const f = values(form);
    const prod = catalog.products.find((p) => p.code === f.product);
    storageBox.replaceChildren(radios('storage', 'Where your certificate ' +
      'is kept', prod.storage_options.map((s, i) => ({ value: s.code,
      label: `${s.name}: ${money(s.price)}`,
      checked: s.code === f.storage || (!f.storage && i === 0) ||
        (f.storage && !prod.storage_options.some((o) => o.code === f.storage)
          && i === 0) })),
    prod.hardware ? 'New to EPCS? Choose the USB token.' : null));
    const intl = (f['applicant.home_address.country'] || 'US') !== 'US';
    const was = shipping.value;
    shipping.replaceChildren(...catalog.shipping_options
      .filter((s) => s.international === intl)
      .map((s) => h('option', { value: s.code,
        text: `${s.name}: ${money(s.price)}` })));
    if ([...shipping.options].some((o) => o.value === was))
      shipping.value = was;
    // The DEA number and NPI are asked only for EPCS certificates.
    for (const n of ['applicant.npi', 'applicant.dea_number']) {
      const w = form.querySelector(`[data-field="${n}"]`);
      w.querySelector('label .opt').hidden = prod.epcs;
      w.input.setAttribute('aria-required', String(prod.epcs));
    }
  }

  let quoteTimer = null, quoteSeq = 0;
  async function quote() {
    const f = values(form);
    const seq = ++quoteSeq;
    for (const n of ['voucher', 'program'])
      if (state.touched.has(n) || f[n]) check(form, n);
    if (RULES.voucher(f.voucher || '') || RULES.program(f.program || ''))
      return;
    try {
      const price = await call('POST', '/v1/applications/quote',
        quoteBody(f));
      if (seq !== quoteSeq) return;
      for (const n of ['voucher', 'program', 'product', 'storage',
        'shipping']) if (!RULES[n] || !RULES[n](f[n] || '', f))
        setError(form, n, null);
      quoteBox.replaceChildren(h('h2', {}, 'Your price'), quoteTable(price));
      form.querySelector('#quote-final').replaceChildren(quoteTable(price));
    } catch (e) {
      if (seq !== quoteSeq) return;
      if (e instanceof Problem && e.errors.length)
        for (const err of e.errors) setError(form, err.field, err.message);
      else alert(box, 'The price could not be worked out: ' + e.message);
    }
  }
  const requote = () => {
    clearTimeout(quoteTimer);
    quoteTimer = setTimeout(quote, 250);
  };

  form.addEventListener('input', (ev) => {
    const name = ev.target.name;
    if (name === 'product' || name === 'applicant.home_address.country')
      fillOptions();
    if (['product', 'storage', 'shipping', 'program', 'voucher',
      'applicant.home_address.country', 'applicant.home_address.state']
      .includes(name)) requote();
    // As typed: once a field was left (or shown wrong), every key checks
    // it again; a field that depends on this one is checked too.
    if (state.touched.has(name)) check(form, name);
    if (name === 'applicant.family_name' &&
        state.touched.has('applicant.dea_number'))
      check(form, 'applicant.dea_number');
    if (name === 'account.password' &&
        state.touched.has('account.password_again'))
      check(form, 'account.password_again');
    if (name === 'applicant.home_address.country')
      for (const n of ['applicant.home_address.state',
        'applicant.home_address.postal_code'])
        if (state.touched.has(n)) check(form, n);
  });
  form.addEventListener('focusout', (ev) => {
    const name = ev.target.name;
    if (!name || !RULES[name]) return;
    if (ev.target.value === '' && !state.touched.has(name)) return;
    state.touched.add(name);
    check(form, name);
  });

  function go(step) {
    state.step = step;
    sections.forEach((s, i) => { s.hidden = i !== step; });
    progress.replaceChildren(...STEPS.map((t, i) => h('li', {
      'aria-current': i === step ? 'step' : null,
      class: i < step ? 'done' : null }, t)));
    back.hidden = step === 0;
    const last = step === STEPS.length - 1;
    next.textContent = last ? 'Pay and send my application' : 'Next';
    next.hidden = last && !formInfo.payment_form_url;
    quoteBox.hidden = last;
    const heading = main.querySelector('h1');
    heading.textContent = `Apply: ${STEPS[step]} (step ${step + 1} of ` +
      `${STEPS.length})`;
    document.title = `${heading.textContent} | rxca`;
    heading.focus();
  }

  back.addEventListener('click', () => go(state.step - 1));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alert(box, '');
    if (!checkStep(form, sections[state.step])) {
      alert(box, 'Please correct the fields marked below.');
      return;
    }
    if (state.step === 0) {
      // The server's word on the voucher and program before going on.
      await quote();
      const bad = sections[0].querySelector('.invalid');
      if (bad) { bad.input.focus(); return; }
    }
    if (state.step < STEPS.length - 1) go(state.step + 1);
    else await send();
  });

  // The cards are tokenized by the provider's frames, then the
  // application goes with the tokens.  A problem's field errors are shown
  // at their fields, on their step.
  let sending = false;
  async function send() {
    if (sending) return;
    sending = true;
    next.disabled = true;
    const label = next.textContent;
    next.textContent = 'Sending…';
    try {
      const f = values(form);
      const pay = form.querySelector('[data-field="payment.card_token"]');
      const avs = form.querySelector(
        '[data-field="address_verification.card_token"]');
      const cards = {};
      for (const [name, frame, key] of [
        ['payment.card_token', pay, 'payment'],
        ['address_verification.card_token', f.same_card ? pay : avs, 'avs']]) {
        setError(form, name, null);
        try {
          cards[key] = (await frame.tokenize()).token;
        } catch (e) {
          setError(form, name, e.message);
          frame.input.focus();
          alert(box, 'Please check the card details.');
          return;
        }
      }
      const body = applicationBody(form, cards, formInfo.agreement.version);
      let created;
      try {
        created = await call('POST', '/v1/applications', body, { headers: {
          'Idempotency-Key': crypto.randomUUID() } });
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        const named = e.errors.map((x) => stepOf(sections, x.field))
          .filter((i) => i >= 0);
        if (named.length) go(Math.min(...named));
        if (e.status === 402)
          e.message = 'Your card was declined; nothing was charged. ' +
            'Use another card.';
        showProblem(form, box, e);
        if (e.status === 402) alert(box, e.message);
        return;
      }
      setSession({ token: created.session.token,
        expires_at: created.session.expires_at, application_id: created.id });
      sentView(main, created, body.applicant.email);
    } finally {
      sending = false;
      next.disabled = false;
      next.textContent = label;
    }
  }
  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'subscriber_agreement.accepted') {
      state.touched.add(ev.target.name);
      check(form, ev.target.name);
    }
  });

  if (prefill) {
    fill(form, prefill);
    fillOptions();
    fill(form, prefill);
    alert(box, 'Your details are filled in from your earlier ' +
      'application. Check them, set a new password and secret questions, ' +
      'and pay.', 'ok');
  }
  fillOptions();
  go(0);
  await quote();
}

// The body of POST /v1/applications from the form and the two card
// tokens the payment provider's frame gave.
export function applicationBody(form, cards, version) {
  const f = values(form);
  const opt = (n) => (f[n] || '').trim() || null;
  return {
    product: f.product, storage: f.storage || null, shipping: f.shipping,
    program: opt('program'), voucher: opt('voucher'),
    invitation: opt('invitation'),
    applicant: {
      given_name: f['applicant.given_name'].trim(),
      middle_name: opt('applicant.middle_name'),
      family_name: f['applicant.family_name'].trim(),
      date_of_birth: f['applicant.date_of_birth'],
      email: f['applicant.email'].toLowerCase(),
      phone: f['applicant.phone'],
      home_address: {
        line1: f['applicant.home_address.line1'].trim(),
        line2: opt('applicant.home_address.line2'),
        city: f['applicant.home_address.city'].trim(),
        state: opt('applicant.home_address.state'),
        postal_code: f['applicant.home_address.postal_code'].trim(),
        country: f['applicant.home_address.country'],
      },
      npi: opt('applicant.npi'), dea_number: opt('applicant.dea_number'),
      ssn_last4: f['applicant.ssn_last4'],
    },
    address_verification: { card_token: cards.avs },
    payment: { card_token: cards.payment },
    account: {
      password: f['account.password'],
      secret_questions: [0, 1, 2].map((i) => ({
        question: f[`account.secret_questions[${i}].question`].trim(),
        answer: f[`account.secret_questions[${i}].answer`],
      })),
    },
    subscriber_agreement: { version,
      accepted: f['subscriber_agreement.accepted'] === true },
  };
}
