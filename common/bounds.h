/*
 * Named bounds on every input that comes from outside.  One place, so a
 * reviewer sees every ceiling at once.
 */
#ifndef RXCA_BOUNDS_H
#define RXCA_BOUNDS_H

#define BOUND_BODY            (64 * 1024) /* request body, bytes */
#define BOUND_HEADERS         (16 * 1024) /* request line + headers */
#define BOUND_HEADER_COUNT    100         /* header fields a request */
#define BOUND_URI             4096        /* request target */
#define BOUND_JSON_DEPTH      16          /* nesting of a JSON body */
#define BOUND_NAME            100         /* a person's name part */
#define BOUND_EMAIL           254         /* RFC 5321 path limit */
#define BOUND_ADDR_LINE       200         /* address line, city */
#define BOUND_PASSWORD_MIN    8           /* SP 800-63B minimum */
#define BOUND_PASSWORD_MAX    128         /* SP 800-63B: at least 64 */
#define BOUND_QUESTION        200         /* secret question text */
#define BOUND_ANSWER          200         /* secret answer text */
#define BOUND_QUESTIONS       3           /* secret questions required */
#define BOUND_TOKEN_REF       200         /* a payment provider token */
#define BOUND_IDEMPOTENCY_KEY 128         /* Idempotency-Key header */
#define BOUND_CODE            32          /* an e-mailed code */
#define BOUND_SHORT           64          /* product, storage, codes */
#define BOUND_PROGRAM         64          /* a partner program's code */
#define BOUND_FIELD_ERRORS    16          /* field errors one problem lists */
#define BOUND_CSR_PEM         16384       /* a PEM certificate request */
#define BOUND_ACTCODE         64          /* an activation code as typed */
#define BOUND_OCSP_REQUEST    8192        /* a DER OCSPRequest, bytes */
#define BOUND_OCSP_CERTIDS    1           /* CertIDs a request (RFC 5019) */

#endif
