// Small DOM helpers: elements are built with textContent only (no HTML
// strings), so nothing from the server is ever parsed as markup.
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

export function msg(kind, text) {
  return el('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function fields(pairs) {
  const dl = el('dl', { class: 'fields' });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    dl.append(el('dt', {}, k), el('dd', {}, v === null || v === '' ? '—' : v));
  }
  return dl;
}

export function table(cols, rows) {
  const head = el('tr', {}, cols.map((c) => el('th', { scope: 'col' }, c[0])));
  const body = rows.map((r) => el('tr', {}, cols.map((c) => el('td', {}, c[1](r)))));
  return el('div', { class: 'wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, body)));
}

export function tag(text, cls) {
  return el('span', { class: `tag ${cls || text}` }, text);
}

export function when(t) {
  return t ? t.replace('T', ' ').replace('Z', ' UTC') : '—';
}

export function personName(a) {
  const p = (a && (a.applicant || a.name)) || {};
  return [p.given_name, p.middle_name, p.family_name].filter(Boolean).join(' ');
}

// A labelled field: the label's for= names the control's id.
export function field(label, control, hint) {
  const id = control.id || `f_${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const kids = [el('label', { for: id }, label), control];
  if (hint) {
    const hid = `${id}_hint`;
    control.setAttribute('aria-describedby', hid);
    kids.push(el('small', { id: hid }, hint));
  }
  return el('div', { class: 'field' }, kids);
}
