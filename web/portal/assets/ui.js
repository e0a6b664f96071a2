// Small DOM helpers shared by the pages: elements, accessible fields
// (label, hint and error tied to the input by aria-describedby), and
// problem+json errors shown at the field they name.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const idOf = (name) => 'f-' + name.replace(/[^A-Za-z0-9]+/g, '-');

// A labelled field.  opts: type, hint, required, autocomplete, options
// (for a select: [{value, label}]), inputmode, value, maxlength.
export function field(name, label, opts = {}) {
  const id = idOf(name);
  const hintId = id + '-hint', errId = id + '-error';
  let input;
  if (opts.options) {
    input = h('select', { id, name });
    for (const o of opts.options)
      input.append(h('option', { value: o.value, text: o.label }));
  } else {
    input = h('input', {
      id, name, type: opts.type || 'text', autocomplete: opts.autocomplete,
      inputmode: opts.inputmode, maxlength: opts.maxlength,
      spellcheck: opts.type === 'password' || opts.nospell ? 'false' : null,
      autocapitalize: opts.autocapitalize,
    });
  }
  if (opts.value != null) input.value = opts.value;
  if (opts.required) input.setAttribute('aria-required', 'true');
  input.setAttribute('aria-describedby',
    (opts.hint ? hintId + ' ' : '') + errId);
  const wrap = h('div', { class: 'field', 'data-field': name },
    h('label', { for: id },
      label, opts.required ? null : h('span', { class: 'opt' }, ' (optional)')),
    opts.hint ? h('p', { id: hintId, class: 'hint' }, opts.hint) : null,
    input,
    h('p', { id: errId, class: 'error', 'aria-live': 'polite' }));
  wrap.input = input;
  return wrap;
}

export function checkbox(name, label, opts = {}) {
  const id = idOf(name), errId = id + '-error';
  const input = h('input', { id, name, type: 'checkbox',
    'aria-describedby': errId });
  const wrap = h('div', { class: 'field check', 'data-field': name },
    input, h('label', { for: id }, label),
    h('p', { id: errId, class: 'error', 'aria-live': 'polite' }));
  wrap.input = input;
  return wrap;
}

// Shows message (or clears it, with null) at the field called name in
// root.  Returns whether the field was found.
export function setError(root, name, message) {
  const wrap = root.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  const err = wrap.querySelector(':scope > .error');
  err.textContent = message || '';
  wrap.input.setAttribute('aria-invalid', message ? 'true' : 'false');
  wrap.classList.toggle('invalid', !!message);
  return true;
}

// A problem's field errors at their fields; what names no field of root
// (or a problem without fields) goes to the alert box.  Focuses the
// first field in error.  Returns the fields shown.
export function showProblem(root, alertBox, problem) {
  const shown = [];
  const rest = [];
  for (const e of problem.errors || []) {
    if (setError(root, e.field, e.message)) shown.push(e.field);
    else rest.push(`${e.field}: ${e.message}`);
  }
  const text = rest.length ? rest.join('; ')
    : shown.length ? '' : problem.message;
  alert(alertBox, text);
  if (shown.length) {
    const first = root.querySelector(
      `[data-field="${CSS.escape(shown[0])}"]`);
    first.input.focus();
    // Focusing an iframe (the card frame) does not scroll to it: bring
    // the field into view, so that what has the focus is seen (and a
    // cross-origin frame off screen is not painted at all).
    first.scrollIntoView({ block: 'nearest' });
  }
  return shown;
}

export function alert(box, text, kind = 'error') {
  box.textContent = text || '';
  box.className = text ? `alert ${kind}` : 'alert';
  box.hidden = !text;
}

export function alertBox() {
  return h('div', { class: 'alert', role: 'alert', hidden: true });
}

// Replaces main's content and moves focus to its heading.
export function render(main, title, ...children) {
  document.title = `${title} | rxca`;
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading,
    ...children.flat().filter((c) => c != null && c !== false));
  heading.focus();
  return heading;
}

export const when = (iso) => iso
  ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium',
    timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '';
