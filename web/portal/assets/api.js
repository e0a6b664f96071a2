// Calls to the REST API on this origin.  The applicant's session token
// (a bearer token, POST /v1/sessions) is kept in this module's memory
// only: never in localStorage, sessionStorage or a cookie, so it goes
// with the tab (a reload asks for the password again).  Moving between
// the portal's pages keeps it (app.js follows those links in the page).

let session = null; // {token, application_id, expires_at}
let skew = 0; // ms the server's clock (its last Date) is ahead of ours

export const setSession = (s) => { session = s; };
export const getSession = () => session;

// A problem+json answer as an Error: status, detail, and errors [{field,
// message}] naming the fields.
export class Problem extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.title = body && body.title;
    this.errors = (body && body.errors) || [];
    this.body = body || {};
  }
}

export async function call(method, path, body,
  { auth = false, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && session) headers.Authorization = `Bearer ${session.token}`;
  let resp;
  try {
    resp = await fetch(path, {
      method, headers, credentials: 'omit', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Problem(0, { detail:
      'The server cannot be reached. Check your connection and try again.' });
  }
  const date = Date.parse(resp.headers.get('Date'));
  if (!Number.isNaN(date)) skew = date - Date.now();
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!resp.ok) throw new Problem(resp.status, json);
  return json;
}

// Now by the server's clock (as of its last answer's Date, to the
// second), which decides validity and renewal: not the computer's.
export const serverNow = () => Date.now() + skew;

export const money = (m) => m == null ? '' :
  new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency })
    .format(m.amount_cents / 100);
