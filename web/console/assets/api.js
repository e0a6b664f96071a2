// The operator API from the console: same origin, the operator's client
// certificate (mutual TLS) is the only credential.  Every request that
// changes state carries X-Rxca-Console, without which the server refuses
// a browser's request (CSRF defence, docs/console.md).
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Rxca-Console'] = '1';
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    return { status: 0, body: { title: 'The server cannot be reached', detail: String(e) } };
  }
  let data = null;
  const type = resp.headers.get('Content-Type') || '';
  if (/json/.test(type)) data = await resp.json().catch(() => null);
  return { status: resp.status, body: data };
}

// The problem+json of an answer as one line for a person.
export function problemText(r) {
  const b = r.body || {};
  let t = `${b.title || 'Error'} (${r.status})`;
  if (b.detail) t += `: ${b.detail}`;
  for (const e of b.errors || []) t += ` ${e.field}: ${e.message}.`;
  return t;
}
