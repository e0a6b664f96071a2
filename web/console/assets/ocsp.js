// "OCSP now" on the certificate page: the same question a relying party
// asks (RFC 6960, GET /ocsp/<request>), built here from the issuing CA's
// certificate (GET /pki/issuing.cer) with SHA-1 CertID hashes, and the
// answer's certStatus read from its DER.  Only the few DER shapes these
// two messages use are handled.

function readTlv(b, i) {
  const tag = b[i];
  let len = b[i + 1];
  let off = i + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + b[off + k];
    off += n;
  }
  return { tag, start: i, off, len, end: off + len };
}

function children(b, t) {
  const out = [];
  for (let i = t.off; i < t.end;) {
    const c = readTlv(b, i);
    out.push(c);
    i = c.end;
  }
  return out;
}

function encLen(n) {
  if (n < 128) return [n];
  const bytes = [];
  while (n > 0) { bytes.unshift(n & 0xff); n >>= 8; }
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag, body) {
  return [tag, ...encLen(body.length), ...body];
}

async function sha1(bytes) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-1', new Uint8Array(bytes)))];
}

export async function ocspRequest(issuerDer, serialHex) {
  const b = new Uint8Array(issuerDer);
  const tbs = children(b, children(b, readTlv(b, 0))[0]);
  const k = tbs[0].tag === 0xa0 ? 1 : 0; // explicit version
  const subject = tbs[k + 4];
  const spki = children(b, tbs[k + 5]);
  const key = b.slice(spki[1].off + 1, spki[1].end); // skip unused bits
  const nameHash = await sha1(b.slice(subject.start, subject.end));
  const keyHash = await sha1(key);
  let serial = serialHex.match(/../g).map((h) => parseInt(h, 16));
  while (serial.length > 1 && serial[0] === 0 && serial[1] < 0x80) serial = serial.slice(1);
  if (serial[0] & 0x80) serial = [0, ...serial];
  const sha1Alg = tlv(0x30, [...tlv(0x06, [0x2b, 0x0e, 0x03, 0x02, 0x1a]), 0x05, 0x00]);
  const certId = tlv(0x30, [...sha1Alg, ...tlv(0x04, nameHash), ...tlv(0x04, keyHash),
    ...tlv(0x02, serial)]);
  return new Uint8Array(tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, certId)))));
}

export function ocspAnswer(der) {
  const b = new Uint8Array(der);
  const top = children(b, readTlv(b, 0));
  if (b[top[0].off] !== 0) return `responder status ${b[top[0].off]}`;
  const rb = children(b, children(b, top[1])[0]);
  const basic = readTlv(b, rb[1].off);
  const data = children(b, children(b, basic)[0]);
  const responses = data.find((c, i) => i > 0 && c.tag === 0x30);
  const single = children(b, children(b, responses)[0]);
  const st = single[1].tag;
  const thisUpdate = String.fromCharCode(...b.slice(single[2].off, single[2].end));
  const word = st === 0x80 ? 'good' : st === 0xa1 ? 'revoked' : st === 0x82 ? 'unknown' : '?';
  return `${word} (thisUpdate ${thisUpdate})`;
}

export async function ocspStatus(cert) {
  const ca = await fetch(`/pki/${cert.issuer}.cer`);
  if (!ca.ok) throw new Error(`issuer certificate: ${ca.status}`);
  const req = await ocspRequest(await ca.arrayBuffer(), cert.serial);
  const b64 = btoa(String.fromCharCode(...req));
  const r = await fetch(`/ocsp/${encodeURIComponent(b64)}`, { cache: 'no-store' });
  if (!r.ok) throw new Error(`responder: ${r.status}`);
  return ocspAnswer(await r.arrayBuffer());
}
