// The server's rules for an application (proofing/validate.c,
// proofing/application.c), field by field, with the server's own
// messages, so a field is checked as it is typed.  Each rule takes the
// value as typed (and the form, for rules that depend on another field)
// and answers a message, or null when the value would pass.  The keys
// are the server's field names: a problem+json error names the same.

const NAME_MAX = 100; // BOUND_NAME, bytes
const ADDR_MAX = 200; // BOUND_ADDR_LINE
const QUESTION_MAX = 200; // BOUND_QUESTION
const ANSWER_MAX = 200; // BOUND_ANSWER
const EMAIL_MAX = 254; // BOUND_EMAIL
const MIN_AGE = 18; // APPLICATION_MIN_AGE

const COMMON_PASSWORDS = new Set(['00000000', '0123456789', '0987654321',
  '1111111111', '11111111', '11223344', '112233445566', '12121212',
  '123123123', '12341234', '1234567890', '123456789', '12345678',
  '12345678910', '123456abc', '1234abcd', '1234qwer', '123qweasd',
  '147258369', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', '22222222', '55555555',
  '66666666', '77777777', '789456123', '87654321', '88888888', '987654321',
  '98765432', '99999999', 'a1b2c3d4', 'aa123456', 'abc12345', 'abc123456',
  'abcd1234', 'abcdefgh', 'admin123', 'admin1234', 'adminadmin',
  'administrator', 'asdf1234', 'asdfasdf', 'asdfghjk', 'asdfghjkl',
  'baseball', 'baseball1', 'basketball', 'batman123', 'changeme',
  'changeme1', 'charlie1', 'chelsea1', 'computer', 'doctor123', 'dragon123',
  'epcs1234', 'football', 'football1', 'freedom1', 'healthcare', 'iloveyou',
  'iloveyou1', 'internet', 'jennifer', 'jessica1', 'jordan23', 'letmein1',
  'letmein123', 'liverpool', 'master123', 'medicine', 'michael1',
  'michelle', 'monkey123', 'mustang1', 'passw0rd', 'password', 'password!',
  'password1', 'password12', 'password123', 'password1234', 'p@ssw0rd',
  'p@ssword', 'prescriber', 'princess', 'princess1', 'q1w2e3r4',
  'q1w2e3r4t5', 'qazwsxedc', 'qwer1234', 'qwerty12', 'qwerty123',
  'qwertyui', 'qwertyuiop', 'rootroot', 'rxca1234', 'shadow123', 'starwars',
  'sunshine', 'sunshine1', 'superman', 'test1234', 'testtest', 'trustno1',
  'welcome1', 'welcome123', 'whatever', 'zaq12wsx', 'zxcv1234', 'zxcvbnm1',
  'zxcvbnm123']);

export const US_STATES = ['AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE',
  'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY',
  'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT',
  'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'DC', 'PR', 'GU', 'VI', 'AS', 'MP',
  'AA', 'AE', 'AP'];

const bytes = (s) => new TextEncoder().encode(s).length;
const isControl = (cp) => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
const isFormat = (cp) => (cp >= 0x200b && cp <= 0x200f) ||
  (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
  cp === 0xfeff;
const tooLong = (max) => `is too long (at most ${max} bytes)`;

function nameForbidden(cp) {
  if (cp >= 0x80 && cp <= 0xbf) return true;
  if (cp === 0xd7 || cp === 0xf7) return true;
  if (cp >= 0x2000 && cp <= 0x206f)
    return cp !== 0x2010 && cp !== 0x2011 && cp !== 0x2019;
  if (cp >= 0xe000 && cp <= 0xf8ff) return true;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true;
  if (cp === 0xfeff || (cp & 0xfffe) === 0xfffe) return true;
  if (cp >= 0xfff0 && cp <= 0xfffd) return true;
  return cp >= 0xf0000;
}

// validate_name
function validName(s) {
  let letter = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) {
      if (/[A-Za-z]/.test(ch)) letter = true;
      else if (!" '-.".includes(ch)) return false;
    } else if (nameForbidden(cp)) return false;
    else if (cp >= 0xc0 && !(cp >= 0x300 && cp <= 0x36f)) letter = true;
  }
  return letter;
}

// validate_text: no control or invisible formatting, something visible
function validText(s) {
  let visible = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (isControl(cp) || isFormat(cp)) return false;
    if (ch !== ' ') visible = true;
  }
  return visible;
}

const printable = (s, spaces) => s.length > 0 && s[0] !== ' ' &&
  s[s.length - 1] !== ' ' &&
  [...s].every((c) => c >= ' ' && c <= '~' && (spaces || c !== ' '));

export function npiValid(s) {
  if (!/^[0-9]{10}$/.test(s)) return false;
  const full = '80840' + s;
  let sum = 0;
  for (let i = 14, dbl = false; i >= 0; i--, dbl = !dbl) {
    let v = full.charCodeAt(i) - 48;
    if (dbl) { v *= 2; if (v > 9) v -= 9; }
    sum += v;
  }
  return sum % 10 === 0;
}

export function deaValid(s, family) {
  if (s.length !== 9) return false;
  const up = s.toUpperCase();
  if (!'ABCDEFGHJKLMPRSTUX'.includes(up[0]) || !/[A-Z]/.test(up[0]))
    return false;
  const want = /^[A-Za-z]/.test(family) ? family[0].toUpperCase() : '9';
  if (up[1] !== want || !/^[0-9]{7}$/.test(up.slice(2))) return false;
  const d = [...up.slice(2)].map(Number);
  return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 === d[6];
}

export function emailValid(s) {
  if (bytes(s) > EMAIL_MAX) return false;
  const at = s.indexOf('@');
  if (at < 0 || s.indexOf('@', at + 1) >= 0) return false;
  const local = s.slice(0, at), domain = s.slice(at + 1);
  if (local.length < 1 || local.length > 64 || local.startsWith('.') ||
      local.endsWith('.') || local.includes('..') ||
      !/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const l of labels)
    if (l.length < 1 || l.length > 63 || !/^[A-Za-z0-9-]+$/.test(l) ||
        l.startsWith('-') || l.endsWith('-')) return false;
  const tld = labels[labels.length - 1];
  return tld.length >= 2 && /^[A-Za-z]+$/.test(tld);
}

const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function dobProblem(s) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return 'must be a date YYYY-MM-DD';
  const y = +m[1], mo = +m[2], d = +m[3];
  if (y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1 ||
      d > daysIn(y, mo)) return 'must be a date YYYY-MM-DD';
  const now = new Date();
  let ay = y + MIN_AGE, am = mo, ad = d;
  if (am === 2 && ad === 29 && daysIn(ay, 2) === 28) { am = 3; ad = 1; }
  const ny = now.getUTCFullYear(), nm = now.getUTCMonth() + 1,
    nd = now.getUTCDate();
  const old = ny !== ay ? ny > ay : nm !== am ? nm > am : nd >= ad;
  return old ? null : `the applicant must be at least ${MIN_AGE} years old`;
}

// secret_normalize_answer: case and runs of space folded
export const normalizeAnswer = (s) =>
  s.trim().split(/[ \t\r\n\v\f]+/).join(' ').replace(/[A-Z]/g,
    (c) => c.toLowerCase());

const NAME_MSG =
  'must hold letters, spaces, apostrophes, hyphens or periods only';
const TEXT_MSG = 'must be text without control characters';

function nameRule(required) {
  return (v) => {
    const s = v.trim();
    if (s === '') return required ? 'is required' : null;
    if (bytes(s) > NAME_MAX) return tooLong(NAME_MAX);
    return validName(s) ? null : NAME_MSG;
  };
}

function textRule(required, max) {
  return (v) => {
    const s = v.trim();
    if (s === '') return required ? 'is required' : null;
    if (bytes(s) > max) return tooLong(max);
    return validText(s) ? null : TEXT_MSG;
  };
}

const isUS = (f) => (f['applicant.home_address.country'] || '') === 'US';

// The rules, by the server's field name.  f: every field's value.
export const RULES = {
  'applicant.given_name': nameRule(true),
  'applicant.middle_name': nameRule(false),
  'applicant.family_name': nameRule(true),
  'applicant.date_of_birth': (v) =>
    v === '' ? 'is required' : dobProblem(v),
  'applicant.email': (v) => v === '' ? 'is required'
    : emailValid(v.toLowerCase()) ? null : 'must be a valid e-mail address',
  'applicant.phone': (v) => v === '' ? 'is required'
    : /^\+(1[2-9][0-9]{2}[2-9][0-9]{6}|[2-9][0-9]{7,14})$/.test(v) ? null
      : 'must be an E.164 number, e.g. +13175550100',
  'applicant.home_address.line1': textRule(true, ADDR_MAX),
  'applicant.home_address.line2': textRule(false, ADDR_MAX),
  'applicant.home_address.city': textRule(true, ADDR_MAX),
  'applicant.home_address.country': (v) => v === '' ? 'is required'
    : /^[A-Z]{2}$/.test(v) ? null
      : 'must be two upper-case letters (ISO 3166-1)',
  'applicant.home_address.state': (v, f) => {
    const s = v.trim();
    if (isUS(f))
      return s === '' ? 'is required'
        : US_STATES.includes(s) ? null : 'must be a USPS state code';
    return s === '' ? null : textRule(false, 64)(s);
  },
  'applicant.home_address.postal_code': (v, f) => {
    const s = v.trim();
    if (s === '') return 'is required';
    if (isUS(f))
      return /^[0-9]{5}(-[0-9]{4})?$/.test(s) ? null
        : 'must be a ZIP code: 12345 or 12345-6789';
    return s.length <= 16 && printable(s, true) ? null
      : 'must be 1 to 16 printable characters';
  },
  'applicant.npi': (v, f) => {
    if (v === '') return f.epcs ? 'is required for an EPCS certificate' : null;
    return npiValid(v) ? null
      : 'must be a 10-digit NPI with a valid check digit';
  },
  'applicant.dea_number': (v, f) => {
    if (v === '') return f.epcs ? 'is required for an EPCS certificate' : null;
    const family = (f['applicant.family_name'] || '').trim();
    return deaValid(v, family) ? null
      : "must be a DEA number whose second letter is the family name's " +
        'initial, with a valid check digit';
  },
  'applicant.ssn_last4': (v) => v === '' ? 'is required'
    : /^[0-9]{4}$/.test(v) ? null : 'must be exactly 4 digits',
  'account.password': (v, f) => {
    if (v === '') return 'is required';
    const cps = [...v];
    if (cps.some((c) => isControl(c.codePointAt(0))))
      return 'must not contain control characters';
    if (cps.length < 8) return 'must be at least 8 characters';
    if (cps.length > 128) return 'must be at most 128 characters';
    const lower = v.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (COMMON_PASSWORDS.has(lower)) return 'is too common; choose another';
    const email = (f['applicant.email'] || '').toLowerCase();
    if (email && (lower === email || lower === email.split('@')[0]))
      return 'must not be your e-mail address';
    return null;
  },
  'account.password_again': (v, f) =>
    v === f['account.password'] ? null : 'must be the same password again',
  'voucher': (v) => v === '' || /^[A-Za-z0-9-]{4,64}$/.test(v) ? null
    : 'must be 4 to 64 letters, digits or hyphens',
  'program': (v) => /^[a-z0-9-]{0,64}$/.test(v) ? null
    : 'must be 1 to 64 lower-case letters, digits or hyphens',
  'subscriber_agreement.accepted': (v) =>
    v === true ? null : 'must be true',
};

for (let i = 0; i < 3; i++) {
  const q = `account.secret_questions[${i}].question`;
  const a = `account.secret_questions[${i}].answer`;
  RULES[q] = (v, f) => {
    const p = textRule(true, QUESTION_MAX)(v);
    if (p) return p;
    for (let j = 0; j < i; j++) {
      const other = f[`account.secret_questions[${j}].question`] || '';
      if (normalizeAnswer(other) === normalizeAnswer(v))
        return 'must differ from the other questions';
    }
    return null;
  };
  RULES[a] = (v) => {
    const n = normalizeAnswer(v);
    if (v === '') return 'is required';
    if ([...v].some((c) => isControl(c.codePointAt(0)) && !/\s/.test(c)))
      return TEXT_MSG;
    if (n === '') return 'must not be empty';
    return bytes(n) > ANSWER_MAX ? tooLong(ANSWER_MAX) : null;
  };
}

// The e-mailed code (proofing/emailcode.c): 10 of Crockford's base 32,
// dashes and spaces ignored, O read as 0, I and L as 1.
export function codeProblem(v) {
  const s = v.replace(/[- ]/g, '').toUpperCase().replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return /^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}$/.test(s) ? null
    : 'a code has 10 letters and digits, like ABCDE-12345';
}
