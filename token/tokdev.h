/*
 * The applicant's token as rxca-token sees it: which token (the only one
 * present, or the one named), the rule that the kit's initial passcode
 * must be changed before anything else, and what a failed log-in means
 * for the applicant (tries left, a locked token).
 *
 * Objects rxca keeps on the token, by label: the key pair and the
 * certificate (TOKDEV_KEY; each renewal adds a pair TOKDEV_KEY "-N", and
 * the newest valid certificate is the one in use), the issuing and root CA
 * certificates, while the initial passcode is unchanged a public data
 * object TOKDEV_MARKER (set by provisioning, removed by a passcode change),
 * and on a token provisioned from a kit the public data object TOKDEV_KIT
 * (set by provisioning, never removed: a token the applicant brought, or a
 * software keystore they made, has none and never had an initial
 * passcode to change). The
 * marker is checked as well as the token's own CKF_USER_PIN_TO_BE_CHANGED flag,
 * which SoftHSM does not set.
 */
#ifndef RXCA_TOKDEV_H
#define RXCA_TOKDEV_H

#include "ca/pkcs11.h"
#include "common/problem.h"

#define TOKDEV_KEY           "rxca-signing"          /* key pair, cert */
#define TOKDEV_ISSUING       "rxca-issuing"          /* issuing CA cert */
#define TOKDEV_ROOT          "rxca-root"             /* root CA cert */
#define TOKDEV_MARKER        "rxca-passcode-initial" /* data object */
#define TOKDEV_KIT           "rxca-kit"              /* data object */
#define TOKDEV_PASSCODE_MIN  8            /* a new passcode, characters */
#define TOKDEV_DEFAULT_LABEL "rxca-token" /* a provisioned token */

/*
 * The label of the token to use into out: label itself if not NULL
 * (checked to be present), else the one initialized token of module.
 * Returns 0, or -1 with p set (404 no token, 409 several: name one).
 */
int tokdev_pick(const char *module, const char *label,
    char out[P11_TOKEN_LABEL_MAX + 1], struct problem *p);

/*
 * 1 if the token labelled label still has its initial passcode (the
 * marker object or the token's flag), 0 if not, -1 with p set.  Opens
 * and closes a public session.
 */
int tokdev_initial(const char *module, const char *label, struct problem *p);

/*
 * Opens the token labelled label logged in with passcode.  Unless
 * allow_initial, refuses (403 passcode-initial) a token whose initial
 * passcode is unchanged.  A wrong passcode (401) says in p how many
 * tries are left when the token tells; a locked token (403) says that
 * the certificate on it cannot be recovered.  Caller closes with
 * p11_close().
 */
struct p11 *tokdev_open(const char *module, const char *label,
    const char *passcode, int allow_initial, struct problem *p);

/* Sets p to the refusal for a token whose initial passcode is unchanged.
 * Returns -1. */
int tokdev_refuse_initial(struct problem *p);

#endif
