// GET /v1/application-form once per tab: the subscriber agreement in
// force (its version is what the application accepts) and the payment
// provider's card frame.
import { call } from './api.js';

let form = null;

export async function applicationForm() {
  if (!form) form = await call('GET', '/v1/application-form');
  return form;
}

export const paragraphs = (text) =>
  text.split(/\n\s*\n/).map((t) => t.trim()).filter(Boolean);
