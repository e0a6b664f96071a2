// The card frame of the reference payment provider (payprovider.py): the
// card is typed here, on the provider's origin, and only a token goes to
// the page that framed it.  Messages are taken only from window.parent
// on the origin named in ?origin= (the provider checked it against its
// allowed origins before serving this page) and sent only to that origin.
const params = new URLSearchParams(location.search);
const PARENT = params.get('origin');
const ID = params.get('id') || 'card';
const form = document.getElementById('card');
const FIELDS = ['number', 'exp_month', 'exp_year', 'cvc'];

function post(msg) {
  window.parent.postMessage({ ...msg, id: ID }, PARENT);
}

function setError(name, message) {
  const input = document.getElementById(name);
  document.getElementById(`${name}-error`).textContent = message || '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

const digits = (s) => s.replace(/[\s-]/g, '');
function luhn(n) {
  let sum = 0;
  for (let i = 0; i < n.length; i++) {
    let d = Number(n[n.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

// The provider's rules, as its server applies them (POST /v1/tokens).
function check(name) {
  const v = document.getElementById(name).value.trim();
  let msg = null;
  if (name === 'number') {
    const n = digits(v);
    if (!/^[0-9]{12,19}$/.test(n))
      msg = 'Enter the 12 to 19 digits of the card number.';
    else if (!luhn(n)) msg = 'This card number is not valid; check it.';
  } else if (name === 'exp_month') {
    if (!/^[0-9]{1,2}$/.test(v) || +v < 1 || +v > 12)
      msg = 'Enter the month as 1 to 12.';
  } else if (name === 'exp_year') {
    if (!/^([0-9]{2}|[0-9]{4})$/.test(v)) msg = 'Enter the year, e.g. 2029.';
  } else if (name === 'cvc') {
    const amex = /^3[47]/.test(digits(document.getElementById('number').value));
    if (!(amex ? /^[0-9]{4}$/ : /^[0-9]{3}$/).test(v))
      msg = `Enter the ${amex ? 4 : 3}-digit security code.`;
  }
  setError(name, msg);
  return msg;
}

const touched = new Set();
form.addEventListener('focusout', (ev) => {
  if (!FIELDS.includes(ev.target.name) || ev.target.value === '') return;
  touched.add(ev.target.name);
  check(ev.target.name);
});
form.addEventListener('input', (ev) => {
  if (touched.has(ev.target.name)) check(ev.target.name);
});
form.addEventListener('submit', (ev) => ev.preventDefault());

async function tokenize() {
  let first = null;
  for (const f of FIELDS) { touched.add(f); if (check(f) && !first) first = f; }
  if (first) {
    document.getElementById(first).focus();
    post({ type: 'rxpay:error', field: first,
      message: 'Check the card details.' });
    return;
  }
  const body = {};
  for (const f of FIELDS) body[f] = document.getElementById(f).value.trim();
  let resp, json;
  try {
    resp = await fetch('/v1/tokens', { method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    json = await resp.json();
  } catch {
    post({ type: 'rxpay:error',
      message: 'The payment provider cannot be reached; try again.' });
    return;
  }
  if (resp.status !== 201) {
    if (json && json.field) {
      setError(json.field, json.error);
      document.getElementById(json.field).focus();
    }
    post({ type: 'rxpay:error', field: json && json.field,
      message: (json && json.error) || 'The card could not be used.' });
    return;
  }
  post({ type: 'rxpay:token', token: json.id, last4: json.last4,
    brand: json.brand });
}

window.addEventListener('message', (ev) => {
  if (ev.source !== window.parent || ev.origin !== PARENT) return;
  if (!ev.data || ev.data.type !== 'rxpay:tokenize') return;
  tokenize();
});

post({ type: 'rxpay:ready' });
// The parent sizes the frame to its content (errors make it taller).
new ResizeObserver(() => post({ type: 'rxpay:resize',
  height: Math.ceil(document.documentElement.getBoundingClientRect().height) }))
  .observe(document.documentElement);
