// The subscriber agreement shown on /apply.  Its version is what the
// application records (subscriber_agreement.version); a new text gets a
// new version.
export const AGREEMENT_VERSION = '2026-12';

export const AGREEMENT = [
  'This agreement is between you, the subscriber named in this ' +
  'application, and rxca, the certification authority that issues your ' +
  'certificate.',
  'You must complete and submit this application yourself. It cannot be ' +
  'completed by a proxy or by anyone on your behalf. Doing so may lead to ' +
  'the revocation or suspension of your certificate.',
  'The information you give is true and complete. rxca checks it against ' +
  'independent sources before it approves your application, and may ask ' +
  'you for more.',
  'Your certificate is your form of identification, like a passport or a ' +
  "driver's license. Only you may use it and the token that holds it. Do " +
  'not share the token, its passcode or your account password.',
  'Tell rxca at once, and revoke your certificate, if your token is lost ' +
  'or stolen, or if anyone else may know its passcode. rxca revokes a ' +
  'certificate whose key or passcode may be compromised.',
  'The token passcode cannot be recovered. If you forget it, the ' +
  'certificate on the token is locked and you must apply again.',
  'Your certificate is valid for two years unless it is revoked first. ' +
  'rxca reminds you before it expires.',
];
