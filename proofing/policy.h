/*
 * The identity-proofing policy presets.  igc: IdenTrust Global Common
 * practice as in the seeds (secret questions, a code that lives for the
 * whole 30-day window).  nist-800-63: NIST SP 800-63A/B (a code lives 24
 * hours; secret questions are not used as an authenticator).
 */
#ifndef RXCA_POLICY_H
#define RXCA_POLICY_H

enum policy { POLICY_IGC, POLICY_NIST };

#endif
