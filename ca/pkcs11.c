#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "ca/pkcs11.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"

#define P11_RV_NAME_LEN  32 /* p11_rv_name() buffer */
#define P11_EC_COORD_MAX 48 /* bytes of a P-384 coordinate */

/* Appends the attribute (ty, v, l) to the template t of n entries. */
#define P11_ATTR(t, n, ty, v, l)                                               \
	do {                                                                   \
		(t)[(n)].type = (ty);                                          \
		(t)[(n)].pValue = p11_unconst(v);                              \
		(t)[(n)++].ulValueLen = (l);                                   \
	} while (0)

/* A loaded module, shared by every struct p11 that opened it. */
struct p11_module {
	void *dl;                /* dlopen handle; NULL: the entry is free */
	CK_FUNCTION_LIST_PTR fn; /* the module's functions */
	int ours;                /* we called C_Initialize, so we finalize */
	int refs;                /* struct p11 using the module */
};

struct p11 {
	pthread_mutex_t lock;      /* serializes every use of session */
	void *dl;                  /* our reference from dlopen */
	struct p11_module *mod;    /* counted in mod->refs, or NULL */
	CK_FUNCTION_LIST_PTR fn;   /* mod->fn */
	CK_SLOT_ID slot;           /* the token's slot */
	CK_SESSION_HANDLE session; /* read-write session */
	int have_session;          /* session is open */
	int logged_in;             /* we logged in, so we log out */
};

static pthread_mutex_t p11_modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module p11_modules[P11_MODULES_MAX];

/* DER of the named curves' object identifiers (CKA_EC_PARAMS). */
static const unsigned char p11_oid_p256[] = {
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char p11_oid_p384[] = {
    0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

/* The DigestInfo before the digest, RFC 8017 section 9.2 note 1. */
static const struct {
	int nid;                  /* the hash */
	size_t len;               /* its output length */
	unsigned char prefix[19]; /* DigestInfo up to the digest */
} p11_digestinfo[] = {
    {NID_sha256, 32,
        {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
            0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}},
    {NID_sha384, 48,
        {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
            0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}},
    {NID_sha512, 64,
        {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
            0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}},
};

#define P11_RV(x)                                                              \
	{                                                                      \
		x, #x                                                          \
	}
static const struct {
	CK_RV rv;         /* a return value */
	const char *name; /* its name in the standard */
} p11_rvs[] = {
    P11_RV(CKR_OK),
    P11_RV(CKR_HOST_MEMORY),
    P11_RV(CKR_SLOT_ID_INVALID),
    P11_RV(CKR_GENERAL_ERROR),
    P11_RV(CKR_FUNCTION_FAILED),
    P11_RV(CKR_ARGUMENTS_BAD),
    P11_RV(CKR_ATTRIBUTE_READ_ONLY),
    P11_RV(CKR_ATTRIBUTE_SENSITIVE),
    P11_RV(CKR_ATTRIBUTE_TYPE_INVALID),
    P11_RV(CKR_ATTRIBUTE_VALUE_INVALID),
    P11_RV(CKR_DATA_LEN_RANGE),
    P11_RV(CKR_DEVICE_ERROR),
    P11_RV(CKR_DEVICE_MEMORY),
    P11_RV(CKR_DEVICE_REMOVED),
    P11_RV(CKR_FUNCTION_NOT_SUPPORTED),
    P11_RV(CKR_KEY_HANDLE_INVALID),
    P11_RV(CKR_KEY_TYPE_INCONSISTENT),
    P11_RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    P11_RV(CKR_MECHANISM_INVALID),
    P11_RV(CKR_MECHANISM_PARAM_INVALID),
    P11_RV(CKR_OBJECT_HANDLE_INVALID),
    P11_RV(CKR_OPERATION_ACTIVE),
    P11_RV(CKR_OPERATION_NOT_INITIALIZED),
    P11_RV(CKR_PIN_INCORRECT),
    P11_RV(CKR_PIN_INVALID),
    P11_RV(CKR_PIN_LEN_RANGE),
    P11_RV(CKR_PIN_EXPIRED),
    P11_RV(CKR_PIN_LOCKED),
    P11_RV(CKR_SESSION_CLOSED),
    P11_RV(CKR_SESSION_HANDLE_INVALID),
    P11_RV(CKR_SESSION_READ_ONLY),
    P11_RV(CKR_TEMPLATE_INCOMPLETE),
    P11_RV(CKR_TEMPLATE_INCONSISTENT),
    P11_RV(CKR_TOKEN_NOT_PRESENT),
    P11_RV(CKR_TOKEN_NOT_RECOGNIZED),
    P11_RV(CKR_TOKEN_WRITE_PROTECTED),
    P11_RV(CKR_USER_ALREADY_LOGGED_IN),
    P11_RV(CKR_USER_NOT_LOGGED_IN),
    P11_RV(CKR_USER_PIN_NOT_INITIALIZED),
    P11_RV(CKR_USER_TYPE_INVALID),
    P11_RV(CKR_BUFFER_TOO_SMALL),
    P11_RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    P11_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    P11_RV(CKR_PIN_TOO_WEAK),
};

/* The name of rv, or its value in hex, in buf. */
static const char *
p11_rv_name(CK_RV rv, char buf[P11_RV_NAME_LEN])
{
	size_t i;

	for (i = 0; i < sizeof(p11_rvs) / sizeof(p11_rvs[0]); i++)
		if (p11_rvs[i].rv == rv)
			return p11_rvs[i].name;
	snprintf(buf, P11_RV_NAME_LEN, "0x%lx", (unsigned long)rv);
	return buf;
}

/*
 * PKCS#11 takes the data it only reads (templates, PINs, input) through
 * pointers to non-const; this passes ours without a qualifier-dropping
 * cast.
 */
static void *
p11_unconst(const void *ptr)
{
	union {
		const void *c;
		void *m;
	} u;

	u.c = ptr;
	return u.m;
}

/* Logs the failed call step and maps rv to p.  Returns -1. */
static int
p11_fail(struct problem *p, const char *step, CK_RV rv)
{
	char buf[P11_RV_NAME_LEN];

	log_error(
	    "p11: call failed", "step=%s rv=%s", step, p11_rv_name(rv, buf));
	switch (rv) {
	case CKR_PIN_INCORRECT:
		return problem_set(p, 401, "wrong-pin", "Wrong PIN",
		    "The PIN is not correct.");
	case CKR_PIN_LOCKED:
		return problem_set(p, 403, "pin-locked", "PIN locked",
		    "The token's PIN is locked.");
	case CKR_PIN_EXPIRED:
		return problem_set(p, 403, "pin-expired", "PIN expired",
		    "The token's PIN has expired and must be changed.");
	case CKR_USER_NOT_LOGGED_IN:
		return problem_set(p, 401, "token-not-logged-in",
		    "Not logged in", "The token needs its PIN for this.");
	case CKR_DEVICE_MEMORY:
		return problem_set(p, 507, "token-full", "Token full",
		    "The token has no room left.");
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_DEVICE_REMOVED:
	case CKR_DEVICE_ERROR:
	case CKR_SESSION_CLOSED:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return problem_set(p, 503, "token-unavailable",
		    "Token unavailable", "The token cannot be reached.");
	default:
		return problem_set(p, 502, "token-error", "Token error",
		    "The token refused the operation.");
	}
}

/* A token error that is not a failed call (bad data from the module);
 * what is logged.  Returns -1. */
static int
p11_bad(struct problem *p, const char *what)
{
	log_error(
	    "p11: unexpected answer from the module", "what=\"%s\"", what);
	return problem_set(p, 502, "token-error", "Token error",
	    "The token gave an answer rxca cannot use.");
}

/* 1 if label is 1..P11_LABEL_MAX printable ASCII characters. */
static int
p11_label_ok(const char *label)
{
	size_t n, i;

	if (label == NULL || (n = strlen(label)) == 0 || n > P11_LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (label[i] < 0x20 || label[i] > 0x7e)
			return 0;
	return 1;
}

/* 1 if pin is 1..P11_PIN_MAX bytes. */
static int
p11_pin_ok(const char *pin)
{
	size_t n;

	return pin != NULL && (n = strlen(pin)) > 0 && n <= P11_PIN_MAX;
}

/* 1 if the blank-padded token label equals want. */
static int
p11_token_label_eq(const unsigned char padded[32], const char *want)
{
	size_t n = strlen(want), i;

	if (n > P11_TOKEN_LABEL_MAX || memcmp(padded, want, n) != 0)
		return 0;
	for (i = n; i < P11_TOKEN_LABEL_MAX; i++)
		if (padded[i] != ' ' && padded[i] != '\0')
			return 0;
	return 1;
}

/*
 * Takes t into the registry entry of the module t->dl, initializing the
 * module if no struct p11 uses it yet.
 */
static int
p11_module_attach(struct p11 *t, struct problem *p)
{
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList getlist;
	struct p11_module *m = NULL, *free_slot = NULL;
	void *sym;
	CK_RV rv;
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&p11_modules_lock);
	for (i = 0; i < P11_MODULES_MAX; i++) {
		if (p11_modules[i].dl == t->dl)
			m = &p11_modules[i];
		else if (p11_modules[i].dl == NULL && free_slot == NULL)
			free_slot = &p11_modules[i];
	}
	if (m != NULL) {
		m->refs++;
		t->mod = m;
		t->fn = m->fn;
		rc = 0;
		goto out;
	}
	if (free_slot == NULL) {
		log_error("p11: too many modules", "max=%d", P11_MODULES_MAX);
		problem_set(p, 503, "token-unavailable", "Token unavailable",
		    "The token cannot be reached.");
		goto out;
	}
	if ((sym = dlsym(t->dl, "C_GetFunctionList")) == NULL) {
		log_error(
		    "p11: not a PKCS#11 module", "error=\"%s\"", dlerror());
		problem_set(p, 503, "token-unavailable", "Token unavailable",
		    "The token cannot be reached.");
		goto out;
	}
	/* POSIX: a dlsym result may be used as a function pointer */
	memcpy(&getlist, &sym, sizeof(getlist));
	m = free_slot;
	if ((rv = getlist(&m->fn)) != CKR_OK || m->fn == NULL) {
		p11_fail(p, "C_GetFunctionList", rv);
		goto out;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->fn->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		p11_fail(p, "C_Initialize", rv);
		goto out;
	}
	m->ours = rv == CKR_OK;
	m->dl = t->dl;
	m->refs = 1;
	t->mod = m;
	t->fn = m->fn;
	rc = 0;
out:
	if (rc == -1 && m != NULL && m->dl == NULL)
		memset(m, 0, sizeof(*m));
	pthread_mutex_unlock(&p11_modules_lock);
	return rc;
}

/* Releases t's hold on its module, finalizing it after the last. */
static void
p11_module_detach(struct p11 *t)
{
	pthread_mutex_lock(&p11_modules_lock);
	if (--t->mod->refs == 0) {
		if (t->mod->ours)
			(void)t->mod->fn->C_Finalize(NULL);
		memset(t->mod, 0, sizeof(*t->mod));
	}
	pthread_mutex_unlock(&p11_modules_lock);
	t->mod = NULL;
	t->fn = NULL;
}

/* The one slot whose token is labelled label. */
static int
p11_slot_find(
    struct p11 *t, const char *label, CK_SLOT_ID *slot, struct problem *p)
{
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	CK_TOKEN_INFO info;
	CK_ULONG n = P11_SLOTS_MAX, i;
	CK_RV rv;
	int found = 0;

	if ((rv = t->fn->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		if (rv == CKR_BUFFER_TOO_SMALL)
			log_error(
			    "p11: too many slots", "max=%d", P11_SLOTS_MAX);
		return p11_fail(p, "C_GetSlotList", rv);
	}
	for (i = 0; i < n && i < P11_SLOTS_MAX; i++) {
		if (t->fn->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		if (p11_token_label_eq(info.label, label)) {
			*slot = slots[i];
			found++;
		}
	}
	if (found == 0) {
		log_error("p11: no token with that label", "slots=%lu",
		    (unsigned long)n);
		return problem_set(p, 404, "token-not-found", "Token not found",
		    "No token with that label is present.");
	}
	if (found > 1) {
		log_error(
		    "p11: several tokens with that label", "count=%d", found);
		return problem_set(p, 409, "token-ambiguous", "Several tokens",
		    "More than one token has that label.");
	}
	return 0;
}

static int
p11_in_use(struct problem *p)
{
	log_error("p11: token already open in this process", NULL);
	return problem_set(p, 409, "token-in-use", "Token in use",
	    "The token is already open.");
}

struct p11 *
p11_open(const char *module, const char *token_label, const char *pin,
    struct problem *p)
{
	CK_SESSION_INFO si;
	CK_SLOT_ID slot = 0;
	struct p11 *t = NULL;
	CK_RV rv;

	if (module == NULL || module[0] == '\0') {
		problem_invalid(p, "module", "A PKCS#11 module is required.");
		return NULL;
	}
	if (token_label == NULL || token_label[0] == '\0' ||
	    strlen(token_label) > P11_TOKEN_LABEL_MAX) {
		problem_invalid(
		    p, "token", "A token label is 1 to 32 characters.");
		return NULL;
	}
	if (pin != NULL && !p11_pin_ok(pin)) {
		problem_invalid(p, "pin", "A PIN is 1 to 64 characters.");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		abort();
	if ((t->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_error(
		    "p11: cannot load the module", "error=\"%s\"", dlerror());
		problem_set(p, 503, "token-unavailable", "Token unavailable",
		    "The token cannot be reached.");
		goto fail;
	}
	if (p11_module_attach(t, p) == -1 ||
	    p11_slot_find(t, token_label, &slot, p) == -1)
		goto fail;
	t->slot = slot;
	rv = t->fn->C_OpenSession(
	    slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->session);
	if (rv != CKR_OK) {
		p11_fail(p, "C_OpenSession", rv);
		goto fail;
	}
	t->have_session = 1;
	if (pin != NULL) {
		rv = t->fn->C_Login(t->session, CKU_USER, p11_unconst(pin),
		    (CK_ULONG)strlen(pin));
		if (rv == CKR_USER_ALREADY_LOGGED_IN) {
			p11_in_use(p);
			goto fail;
		}
		if (rv != CKR_OK) {
			p11_fail(p, "C_Login", rv);
			goto fail;
		}
		t->logged_in = 1;
	} else {
		if ((rv = t->fn->C_GetSessionInfo(t->session, &si)) != CKR_OK) {
			p11_fail(p, "C_GetSessionInfo", rv);
			goto fail;
		}
		if (si.state != CKS_RW_PUBLIC_SESSION) {
			p11_in_use(p);
			goto fail;
		}
	}
	return t;
fail:
	p11_close(t);
	return NULL;
}

void
p11_close(struct p11 *t)
{
	if (t == NULL)
		return;
	if (t->logged_in)
		(void)t->fn->C_Logout(t->session);
	if (t->have_session)
		(void)t->fn->C_CloseSession(t->session);
	if (t->mod != NULL)
		p11_module_detach(t);
	if (t->dl != NULL)
		dlclose(t->dl);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * Up to max handles of the objects of class cls (with label, if not NULL)
 * into out, their number into *n.  Called with t->lock held.
 */
static int
p11_find(struct p11 *t, CK_OBJECT_CLASS cls, const char *label,
    CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *n, struct problem *p)
{
	CK_ATTRIBUTE tmpl[2];
	CK_ULONG ntmpl = 0, got;
	CK_RV rv;
	int rc = -1;

	*n = 0;
	tmpl[ntmpl].type = CKA_CLASS;
	tmpl[ntmpl].pValue = &cls;
	tmpl[ntmpl++].ulValueLen = sizeof(cls);
	if (label != NULL) {
		tmpl[ntmpl].type = CKA_LABEL;
		tmpl[ntmpl].pValue = p11_unconst(label);
		tmpl[ntmpl++].ulValueLen = strlen(label);
	}
	if ((rv = t->fn->C_FindObjectsInit(t->session, tmpl, ntmpl)) != CKR_OK)
		return p11_fail(p, "C_FindObjectsInit", rv);
	while (*n < max) {
		got = 0;
		rv = t->fn->C_FindObjects(t->session, out + *n, max - *n, &got);
		if (rv != CKR_OK) {
			p11_fail(p, "C_FindObjects", rv);
			goto out;
		}
		if (got == 0 || got > max - *n)
			break;
		*n += got;
	}
	rc = 0;
out:
	if ((rv = t->fn->C_FindObjectsFinal(t->session)) != CKR_OK && rc == 0)
		rc = p11_fail(p, "C_FindObjectsFinal", rv);
	return rc;
}

static const char *
p11_class_name(CK_OBJECT_CLASS cls)
{
	switch (cls) {
	case CKO_PRIVATE_KEY:
		return "private key";
	case CKO_PUBLIC_KEY:
		return "public key";
	case CKO_CERTIFICATE:
		return "certificate";
	default:
		return "object";
	}
}

/* The one object of class cls labelled label.  Called with t->lock held. */
static int
p11_find_one(struct p11 *t, CK_OBJECT_CLASS cls, const char *label,
    CK_OBJECT_HANDLE *h, struct problem *p)
{
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n;

	if (p11_find(t, cls, label, found, 2, &n, p) == -1)
		return -1;
	if (n == 0)
		return problem_set(p, 404, "not-found", "Not found",
		    "No %s with that label is on the token.",
		    p11_class_name(cls));
	if (n > 1)
		return problem_set(p, 409, "label-ambiguous", "Ambiguous label",
		    "More than one %s on the token has that label.",
		    p11_class_name(cls));
	*h = found[0];
	return 0;
}

/*
 * The value of attribute type of obj, at most max bytes, into *out
 * (caller frees) and *len.  Called with t->lock held.
 */
static int
p11_attr_get(struct p11 *t, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
    size_t max, unsigned char **out, size_t *len, struct problem *p)
{
	CK_ATTRIBUTE a;
	CK_ULONG size;
	CK_RV rv;

	*out = NULL;
	*len = 0;
	a.type = type;
	a.pValue = NULL;
	a.ulValueLen = 0;
	if ((rv = t->fn->C_GetAttributeValue(t->session, obj, &a, 1)) != CKR_OK)
		return p11_fail(p, "C_GetAttributeValue", rv);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0 ||
	    a.ulValueLen > max) {
		log_error("p11: attribute size out of bounds",
		    "type=0x%lx len=%lu max=%zu", (unsigned long)type,
		    (unsigned long)a.ulValueLen, max);
		return p11_bad(p, "attribute size");
	}
	size = a.ulValueLen;
	a.pValue = xmalloc(size);
	if ((rv = t->fn->C_GetAttributeValue(t->session, obj, &a, 1)) !=
	        CKR_OK ||
	    a.ulValueLen == 0 || a.ulValueLen > size) {
		free(a.pValue);
		if (rv == CKR_OK)
			return p11_bad(p, "attribute size changed");
		return p11_fail(p, "C_GetAttributeValue", rv);
	}
	*out = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

/* A CK_ULONG attribute (CKA_KEY_TYPE, ...).  Called with t->lock held. */
static int
p11_attr_ulong(struct p11 *t, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
    CK_ULONG *v, struct problem *p)
{
	CK_ATTRIBUTE a;
	CK_RV rv;

	a.type = type;
	a.pValue = v;
	a.ulValueLen = sizeof(*v);
	if ((rv = t->fn->C_GetAttributeValue(t->session, obj, &a, 1)) != CKR_OK)
		return p11_fail(p, "C_GetAttributeValue", rv);
	if (a.ulValueLen != sizeof(*v))
		return p11_bad(p, "attribute size");
	return 0;
}

/* A public key from OSSL_PARAMs: EVP_PKEY_fromdata for the type name. */
static EVP_PKEY *
p11_pkey_fromdata(const char *name, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		log_openssl("p11: cannot build the public key");
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

/*
 * The EC public key of CKA_EC_PARAMS and CKA_EC_POINT: a named curve,
 * P-256 or P-384, and an uncompressed point, bare or (as the standard
 * says and SoftHSM does) DER-wrapped in an OCTET STRING.
 */
static EVP_PKEY *
p11_ec_pub(const unsigned char *params, size_t plen, const unsigned char *point,
    size_t ptlen)
{
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *key = NULL;
	const unsigned char *q, *raw = NULL;
	const char *group = NULL;
	size_t want = 0;

	q = params;
	if (plen > LONG_MAX ||
	    (oid = d2i_ASN1_OBJECT(NULL, &q, (long)plen)) == NULL ||
	    q != params + plen) {
		log_openssl("p11: CKA_EC_PARAMS is not a named curve");
		goto out;
	}
	switch (OBJ_obj2nid(oid)) {
	case NID_X9_62_prime256v1:
		group = "P-256";
		want = 1 + 2 * 32;
		break;
	case NID_secp384r1:
		group = "P-384";
		want = 1 + 2 * P11_EC_COORD_MAX;
		break;
	default:
		log_error("p11: EC curve not used by rxca", NULL);
		goto out;
	}
	q = point;
	if ((os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)ptlen)) != NULL &&
	    q == point + ptlen && (size_t)ASN1_STRING_length(os) == want)
		raw = ASN1_STRING_get0_data(os);
	else if (ptlen == want)
		raw = point;
	ERR_clear_error(); /* a bare point is no OCTET STRING */
	if (raw == NULL || raw[0] != 0x04) {
		log_error("p11: CKA_EC_POINT is not an uncompressed point",
		    "len=%zu", ptlen);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(
	        bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(
	        bld, OSSL_PKEY_PARAM_PUB_KEY, raw, want) != 1) {
		log_openssl("p11: cannot build the EC key");
		goto out;
	}
	key = p11_pkey_fromdata("EC", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return key;
}

/* The RSA public key of CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
static EVP_PKEY *
p11_rsa_pub(
    const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *key = NULL;
	int bits;

	if ((bn = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (be = BN_bin2bn(e, (int)elen, NULL)) == NULL) {
		log_openssl("p11: cannot read the RSA key");
		goto out;
	}
	bits = BN_num_bits(bn);
	if (bits < P11_RSA_MIN_BITS || bits > P11_RSA_MAX_BITS ||
	    !BN_is_odd(be) || BN_is_one(be)) {
		log_error("p11: RSA key not used by rxca", "bits=%d", bits);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
		log_openssl("p11: cannot build the RSA key");
		goto out;
	}
	key = p11_pkey_fromdata("RSA", bld);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return key;
}

/* The public key of the key object obj.  Called with t->lock held. */
static EVP_PKEY *
p11_pub_read(struct p11 *t, CK_OBJECT_HANDLE obj, struct problem *p)
{
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	EVP_PKEY *key = NULL;
	CK_ULONG kt;

	if (p11_attr_ulong(t, obj, CKA_KEY_TYPE, &kt, p) == -1)
		return NULL;
	if (kt == CKK_EC) {
		if (p11_attr_get(t, obj, CKA_EC_PARAMS, P11_EC_PARAMS_MAX, &a,
		        &alen, p) == -1 ||
		    p11_attr_get(t, obj, CKA_EC_POINT, P11_EC_POINT_MAX, &b,
		        &blen, p) == -1)
			goto out;
		key = p11_ec_pub(a, alen, b, blen);
	} else if (kt == CKK_RSA) {
		if (p11_attr_get(t, obj, CKA_MODULUS, P11_RSA_N_MAX, &a, &alen,
		        p) == -1 ||
		    p11_attr_get(t, obj, CKA_PUBLIC_EXPONENT, P11_RSA_E_MAX, &b,
		        &blen, p) == -1)
			goto out;
		key = p11_rsa_pub(a, alen, b, blen);
	} else
		log_error("p11: key type not used by rxca", "type=0x%lx",
		    (unsigned long)kt);
	if (key == NULL)
		problem_set(p, 422, "unsupported-key", "Unsupported key",
		    "The key on the token is of a kind or size rxca does not "
		    "use.");
out:
	free(a);
	free(b);
	return key;
}

EVP_PKEY *
p11_keygen(
    struct p11 *t, const char *label, enum p11_key_type type, struct problem *p)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE exponent[] = {0x01, 0x00, 0x01};
	CK_MECHANISM mech = {0, NULL, 0};
	CK_ATTRIBUTE pubt[8], privt[10];
	CK_ULONG npub = 0, npriv = 0, bits = 0, n;
	CK_OBJECT_HANDLE found[1];
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	const unsigned char *curve = NULL;
	unsigned char id[P11_ID_LEN];
	size_t curvelen = 0, labellen;
	EVP_PKEY *key = NULL;
	CK_RV rv;

	if (!p11_label_ok(label)) {
		problem_invalid(p, "label",
		    "A key label is 1 to 64 printable ASCII characters.");
		return NULL;
	}
	labellen = strlen(label);
	switch (type) {
	case P11_KEY_P256:
		curve = p11_oid_p256;
		curvelen = sizeof(p11_oid_p256);
		break;
	case P11_KEY_P384:
		curve = p11_oid_p384;
		curvelen = sizeof(p11_oid_p384);
		break;
	case P11_KEY_RSA2048:
		bits = 2048;
		break;
	case P11_KEY_RSA3072:
		bits = 3072;
		break;
	default:
		problem_invalid(p, "type", "Unknown key type.");
		return NULL;
	}
	rand_fill(id, sizeof(id));
	P11_ATTR(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	P11_ATTR(pubt, npub, CKA_PRIVATE, &no, sizeof(no));
	P11_ATTR(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	P11_ATTR(pubt, npub, CKA_LABEL, label, labellen);
	P11_ATTR(pubt, npub, CKA_ID, id, sizeof(id));
	P11_ATTR(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	P11_ATTR(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	P11_ATTR(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	P11_ATTR(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	P11_ATTR(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	P11_ATTR(privt, npriv, CKA_DECRYPT, &no, sizeof(no));
	P11_ATTR(privt, npriv, CKA_LABEL, label, labellen);
	P11_ATTR(privt, npriv, CKA_ID, id, sizeof(id));
	if (curve != NULL) {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		P11_ATTR(pubt, npub, CKA_EC_PARAMS, curve, curvelen);
		P11_ATTR(privt, npriv, CKA_DERIVE, &no, sizeof(no));
	} else {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		P11_ATTR(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		P11_ATTR(pubt, npub, CKA_PUBLIC_EXPONENT, exponent,
		    sizeof(exponent));
	}

	pthread_mutex_lock(&t->lock);
	if (p11_find(t, CKO_PRIVATE_KEY, label, found, 1, &n, p) == -1)
		goto out;
	if (n == 0 && p11_find(t, CKO_PUBLIC_KEY, label, found, 1, &n, p) == -1)
		goto out;
	if (n != 0) {
		problem_set(p, 409, "label-exists", "Label exists",
		    "A key with that label is already on the token.");
		goto out;
	}
	rv = t->fn->C_GenerateKeyPair(
	    t->session, &mech, pubt, npub, privt, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		p11_fail(p, "C_GenerateKeyPair", rv);
		goto out;
	}
	if ((key = p11_pub_read(t, hpub, p)) == NULL) {
		/* no half-made key stays on the token */
		(void)t->fn->C_DestroyObject(t->session, hpriv);
		(void)t->fn->C_DestroyObject(t->session, hpub);
		goto out;
	}
	log_info("p11: key pair generated", "type=%d", (int)type);
out:
	pthread_mutex_unlock(&t->lock);
	return key;
}

int
p11_find_key(
    struct p11 *t, const char *label, struct p11_key *out, struct problem *p)
{
	CK_OBJECT_HANDLE hpriv = CK_INVALID_HANDLE, hpub = CK_INVALID_HANDLE;
	CK_ULONG kpriv, kpub;
	EVP_PKEY *key = NULL;
	int rc = -1;

	out->handle = CK_INVALID_HANDLE;
	out->pub = NULL;
	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A key label is 1 to 64 printable ASCII characters.");
	pthread_mutex_lock(&t->lock);
	if (p11_find_one(t, CKO_PRIVATE_KEY, label, &hpriv, p) == -1 ||
	    p11_find_one(t, CKO_PUBLIC_KEY, label, &hpub, p) == -1 ||
	    p11_attr_ulong(t, hpriv, CKA_KEY_TYPE, &kpriv, p) == -1 ||
	    p11_attr_ulong(t, hpub, CKA_KEY_TYPE, &kpub, p) == -1)
		goto out;
	if (kpriv != kpub) {
		p11_bad(p, "private and public key types differ");
		goto out;
	}
	if ((key = p11_pub_read(t, hpub, p)) == NULL)
		goto out;
	out->handle = hpriv;
	out->pub = key;
	rc = 0;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void
p11_key_clear(struct p11_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	k->pub = NULL;
	k->handle = CK_INVALID_HANDLE;
}

/* 1 if sig (DER or PKCS#1) over digest verifies with pub. */
static int
p11_check(EVP_PKEY *pub, int md_nid, const unsigned char *sig, size_t siglen,
    const unsigned char *digest, size_t dlen)
{
	EVP_PKEY_CTX *ctx = NULL;
	int ok = 0;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1 ||
	    (EVP_PKEY_is_a(pub, "RSA") &&
	        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_get_digestbynid(md_nid)) !=
	        1) {
		log_openssl("p11: cannot set up the signature check");
		goto out;
	}
	ok = EVP_PKEY_verify(ctx, sig, siglen, digest, dlen) == 1;
	ERR_clear_error(); /* the verdict is ok */
out:
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* The DER ECDSA-Sig-Value of raw r || s (each half the length). */
static int
p11_ecdsa_der(
    const unsigned char *raw, size_t len, unsigned char **der, size_t *derlen)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n, rc = -1;

	*der = NULL;
	if ((r = BN_bin2bn(raw, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL)) == NULL ||
	    (es = ECDSA_SIG_new()) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* es owns them */
	if ((n = i2d_ECDSA_SIG(es, der)) <= 0) {
		*der = NULL;
		goto out;
	}
	*derlen = (size_t)n;
	rc = 0;
out:
	if (rc == -1)
		log_openssl("p11: cannot encode the ECDSA signature");
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
p11_sign(struct p11 *t, const struct p11_key *k, const unsigned char *digest,
    size_t dlen, int md_nid, unsigned char **sig, size_t *siglen,
    struct problem *p)
{
	unsigned char in[sizeof(p11_digestinfo[0].prefix) + EVP_MAX_MD_SIZE];
	unsigned char raw[P11_SIG_MAX];
	CK_MECHANISM mech = {0, NULL, 0};
	CK_ULONG inlen = 0, rawlen = sizeof(raw);
	unsigned char *out = NULL;
	size_t outlen = 0, i, want;
	int rsa, rc = -1;
	CK_RV rv;

	*sig = NULL;
	*siglen = 0;
	if (k == NULL || k->pub == NULL)
		return problem_internal(p);
	for (i = 0; i < sizeof(p11_digestinfo) / sizeof(p11_digestinfo[0]); i++)
		if (p11_digestinfo[i].nid == md_nid)
			break;
	if (i == sizeof(p11_digestinfo) / sizeof(p11_digestinfo[0]) ||
	    p11_digestinfo[i].len != dlen) {
		log_error("p11: digest not used by rxca", "nid=%d len=%zu",
		    md_nid, dlen);
		return problem_internal(p);
	}
	rsa = EVP_PKEY_is_a(k->pub, "RSA");
	if (rsa) {
		mech.mechanism = CKM_RSA_PKCS;
		memcpy(in, p11_digestinfo[i].prefix,
		    sizeof(p11_digestinfo[i].prefix));
		memcpy(in + sizeof(p11_digestinfo[i].prefix), digest, dlen);
		inlen = sizeof(p11_digestinfo[i].prefix) + dlen;
		want = (size_t)EVP_PKEY_get_size(k->pub);
	} else {
		mech.mechanism = CKM_ECDSA;
		memcpy(in, digest, dlen);
		inlen = dlen;
		want = 2 * (((size_t)EVP_PKEY_get_bits(k->pub) + 7) / 8);
	}

	pthread_mutex_lock(&t->lock);
	rv = t->fn->C_SignInit(t->session, &mech, k->handle);
	if (rv == CKR_OK)
		rv = t->fn->C_Sign(t->session, in, inlen, raw, &rawlen);
	pthread_mutex_unlock(&t->lock);
	if (rv != CKR_OK) {
		p11_fail(p, "C_Sign", rv);
		goto out;
	}
	if (rawlen != want || want == 0 || want > sizeof(raw)) {
		log_error("p11: signature of the wrong length",
		    "len=%lu want=%zu", (unsigned long)rawlen, want);
		p11_bad(p, "signature length");
		goto out;
	}
	if (rsa) {
		out = OPENSSL_memdup(raw, rawlen);
		outlen = rawlen;
		if (out == NULL)
			abort();
	} else if (p11_ecdsa_der(raw, rawlen, &out, &outlen) == -1) {
		problem_internal(p);
		goto out;
	}
	if (!p11_check(k->pub, md_nid, out, outlen, digest, dlen)) {
		p11_bad(p, "signature does not verify with the public key");
		goto out;
	}
	*sig = out;
	*siglen = outlen;
	out = NULL;
	rc = 0;
out:
	OPENSSL_free(out);
	return rc;
}

int
p11_set_pin(
    struct p11 *t, const char *old_pin, const char *new_pin, struct problem *p)
{
	CK_RV rv;

	if (!p11_pin_ok(old_pin))
		return problem_invalid(
		    p, "pin", "A PIN is 1 to 64 characters.");
	if (!p11_pin_ok(new_pin))
		return problem_invalid(
		    p, "new_pin", "A PIN is 1 to 64 characters.");
	pthread_mutex_lock(&t->lock);
	rv = t->fn->C_SetPIN(t->session, p11_unconst(old_pin),
	    (CK_ULONG)strlen(old_pin), p11_unconst(new_pin),
	    (CK_ULONG)strlen(new_pin));
	pthread_mutex_unlock(&t->lock);
	if (rv == CKR_OK) {
		log_info("p11: PIN changed", NULL);
		return 0;
	}
	if (rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE ||
	    rv == CKR_PIN_TOO_WEAK) {
		log_error("p11: the token refused the new PIN", "rv=0x%lx",
		    (unsigned long)rv);
		return problem_invalid(p, "new_pin",
		    "The token does not accept this PIN (length or "
		    "characters).");
	}
	return p11_fail(p, "C_SetPIN", rv);
}

/*
 * The CKA_ID of the public key on the token equal to pub, into id (up to
 * P11_ID_MAX bytes); *idlen is 0 if there is none.  Objects that cannot
 * be read are passed over.  Called with t->lock held.
 */
static int
p11_id_of(struct p11 *t, EVP_PKEY *pub, unsigned char *id, size_t *idlen,
    struct problem *p)
{
	CK_OBJECT_HANDLE found[P11_FIND_MAX];
	struct problem scratch;
	unsigned char *v = NULL;
	EVP_PKEY *k;
	CK_ULONG n, i;
	size_t vlen;

	*idlen = 0;
	if (p11_find(t, CKO_PUBLIC_KEY, NULL, found, P11_FIND_MAX, &n, p) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		problem_clear(&scratch);
		if ((k = p11_pub_read(t, found[i], &scratch)) == NULL)
			continue;
		if (EVP_PKEY_eq(k, pub) == 1 &&
		    p11_attr_get(t, found[i], CKA_ID, P11_ID_MAX, &v, &vlen,
		        &scratch) == 0) {
			memcpy(id, v, vlen);
			*idlen = vlen;
			free(v);
			EVP_PKEY_free(k);
			break;
		}
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	return 0;
}

int
p11_store_cert(struct p11 *t, const char *label, X509 *cert, struct problem *p)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ctype = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE found[1], h;
	CK_ATTRIBUTE tmpl[10];
	CK_ULONG ntmpl = 0, n;
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *serial = NULL;
	unsigned char id[P11_ID_MAX];
	size_t idlen = 0;
	int derlen, subjlen, isslen, seriallen, locked = 0, rc = -1;
	EVP_PKEY *pub;
	CK_RV rv;

	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A label is 1 to 64 printable ASCII characters.");
	if (cert == NULL || (pub = X509_get0_pubkey(cert)) == NULL ||
	    (derlen = i2d_X509(cert, &der)) <= 0 ||
	    (subjlen = i2d_X509_NAME(X509_get_subject_name(cert), &subj)) <=
	        0 ||
	    (isslen = i2d_X509_NAME(X509_get_issuer_name(cert), &iss)) <= 0 ||
	    (seriallen = i2d_ASN1_INTEGER(
	         X509_get0_serialNumber(cert), &serial)) <= 0) {
		log_openssl("p11: cannot encode the certificate");
		problem_invalid(p, "certificate", "Not a usable certificate.");
		goto out;
	}
	if (derlen > P11_CERT_MAX) {
		problem_invalid(
		    p, "certificate", "The certificate is too large.");
		goto out;
	}
	P11_ATTR(tmpl, ntmpl, CKA_CLASS, &cls, sizeof(cls));
	P11_ATTR(tmpl, ntmpl, CKA_CERTIFICATE_TYPE, &ctype, sizeof(ctype));
	P11_ATTR(tmpl, ntmpl, CKA_TOKEN, &yes, sizeof(yes));
	P11_ATTR(tmpl, ntmpl, CKA_PRIVATE, &no, sizeof(no));
	P11_ATTR(tmpl, ntmpl, CKA_LABEL, label, strlen(label));
	P11_ATTR(tmpl, ntmpl, CKA_SUBJECT, subj, (CK_ULONG)subjlen);
	P11_ATTR(tmpl, ntmpl, CKA_ISSUER, iss, (CK_ULONG)isslen);
	P11_ATTR(tmpl, ntmpl, CKA_SERIAL_NUMBER, serial, (CK_ULONG)seriallen);
	P11_ATTR(tmpl, ntmpl, CKA_VALUE, der, (CK_ULONG)derlen);

	pthread_mutex_lock(&t->lock);
	locked = 1;
	if (p11_find(t, CKO_CERTIFICATE, label, found, 1, &n, p) == -1)
		goto out;
	if (n != 0) {
		problem_set(p, 409, "label-exists", "Label exists",
		    "A certificate with that label is already on the token.");
		goto out;
	}
	if (p11_id_of(t, pub, id, &idlen, p) == -1)
		goto out;
	if (idlen > 0)
		P11_ATTR(tmpl, ntmpl, CKA_ID, id, idlen);
	if ((rv = t->fn->C_CreateObject(t->session, tmpl, ntmpl, &h)) !=
	    CKR_OK) {
		p11_fail(p, "C_CreateObject", rv);
		goto out;
	}
	log_info("p11: certificate stored", "key_found=%d", idlen > 0);
	rc = 0;
out:
	if (locked)
		pthread_mutex_unlock(&t->lock);
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(serial);
	return rc;
}

X509 *
p11_find_cert(struct p11 *t, const char *label, struct problem *p)
{
	CK_OBJECT_HANDLE h = 0;
	unsigned char *der = NULL;
	const unsigned char *q;
	size_t len = 0;
	X509 *x = NULL;

	if (!p11_label_ok(label)) {
		problem_invalid(p, "label",
		    "A label is 1 to 64 printable ASCII characters.");
		return NULL;
	}
	pthread_mutex_lock(&t->lock);
	if (p11_find_one(t, CKO_CERTIFICATE, label, &h, p) == -1 ||
	    p11_attr_get(t, h, CKA_VALUE, P11_CERT_MAX, &der, &len, p) == -1)
		goto out;
	q = der;
	if ((x = d2i_X509(NULL, &q, (long)len)) == NULL || q != der + len) {
		log_openssl("p11: the stored certificate does not parse");
		X509_free(x);
		x = NULL;
		p11_bad(p, "certificate value");
	}
out:
	pthread_mutex_unlock(&t->lock);
	free(der);
	return x;
}

/* The module loaded and initialized, without a session: for p11_list()
 * and p11_init_token().  Free with p11_close(). */
static struct p11 *
p11_load(const char *module, struct problem *p)
{
	struct p11 *t;

	if (module == NULL || module[0] == '\0') {
		problem_invalid(p, "module", "A PKCS#11 module is required.");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		abort();
	if ((t->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_error(
		    "p11: cannot load the module", "error=\"%s\"", dlerror());
		problem_set(p, 503, "token-unavailable", "Token unavailable",
		    "The token cannot be reached.");
		goto fail;
	}
	if (p11_module_attach(t, p) == -1)
		goto fail;
	return t;
fail:
	p11_close(t);
	return NULL;
}

/* Copies the blank-padded field src (len bytes) into dst (len + 1 bytes),
 * trailing blanks and NULs trimmed, unprintable bytes as '?'. */
static void
p11_trim(char *dst, const unsigned char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? (char)src[i] : '?';
	dst[len] = '\0';
	while (len > 0 && (dst[len - 1] == ' ' || src[len - 1] == '\0'))
		dst[--len] = '\0';
}

/* Fills out from the CK_TOKEN_INFO of slot. */
static int
p11_info_of(struct p11 *t, CK_SLOT_ID slot, struct p11_token_info *out,
    struct problem *p)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	memset(out, 0, sizeof(*out));
	if ((rv = t->fn->C_GetTokenInfo(slot, &ti)) != CKR_OK)
		return p11_fail(p, "C_GetTokenInfo", rv);
	out->slot = (unsigned long)slot;
	p11_trim(out->label, ti.label, P11_TOKEN_LABEL_MAX);
	p11_trim(out->serial, ti.serialNumber, P11_SERIAL_LEN);
	p11_trim(out->model, ti.model, P11_MODEL_LEN);
	p11_trim(out->manufacturer, ti.manufacturerID, P11_MAKER_LEN);
	out->initialized = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
	out->pin_initialized = (ti.flags & CKF_USER_PIN_INITIALIZED) != 0;
	out->pin_count_low = (ti.flags & CKF_USER_PIN_COUNT_LOW) != 0;
	out->pin_final_try = (ti.flags & CKF_USER_PIN_FINAL_TRY) != 0;
	out->pin_locked = (ti.flags & CKF_USER_PIN_LOCKED) != 0;
	out->pin_to_change = (ti.flags & CKF_USER_PIN_TO_BE_CHANGED) != 0;
	out->pin_min = (unsigned long)ti.ulMinPinLen;
	out->pin_max = (unsigned long)ti.ulMaxPinLen;
	return 0;
}

int
p11_list(const char *module, struct p11_token_info *out, size_t max, size_t *n,
    struct problem *p)
{
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	CK_ULONG count = P11_SLOTS_MAX, i;
	struct problem scratch;
	struct p11 *t;
	CK_RV rv;
	int rc = -1;

	*n = 0;
	if ((t = p11_load(module, p)) == NULL)
		return -1;
	if ((rv = t->fn->C_GetSlotList(CK_TRUE, slots, &count)) != CKR_OK) {
		p11_fail(p, "C_GetSlotList", rv);
		goto out;
	}
	for (i = 0; i < count && i < P11_SLOTS_MAX && *n < max; i++) {
		problem_clear(&scratch);
		if (p11_info_of(t, slots[i], &out[*n], &scratch) == 0)
			(*n)++;
	}
	rc = 0;
out:
	p11_close(t);
	return rc;
}

int
p11_info(struct p11 *t, struct p11_token_info *out, struct problem *p)
{
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = p11_info_of(t, t->slot, out, p);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Maps a refused PIN or label of C_InitToken/C_InitPIN to p. */
static int
p11_init_fail(struct problem *p, const char *step, CK_RV rv, const char *field)
{
	if (rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE ||
	    rv == CKR_PIN_TOO_WEAK) {
		log_error("p11: the token refused a PIN", "step=%s", step);
		return problem_invalid(p, field,
		    "The token does not accept this PIN (length or "
		    "characters).");
	}
	return p11_fail(p, step, rv);
}

int
p11_init_token(const char *module, const char *old_label, const char *so_pin,
    const char *label, const char *user_pin, struct problem *p)
{
	CK_SLOT_ID slots[P11_SLOTS_MAX], slot = 0;
	CK_ULONG count = P11_SLOTS_MAX, i;
	unsigned char padded[P11_TOKEN_LABEL_MAX];
	CK_TOKEN_INFO ti;
	struct p11 *t = NULL;
	int found = 0, rc = -1;
	CK_RV rv;

	if (!p11_pin_ok(so_pin))
		return problem_invalid(
		    p, "so_pin", "A PIN is 1 to 64 characters.");
	if (!p11_pin_ok(user_pin))
		return problem_invalid(
		    p, "pin", "A PIN is 1 to 64 characters.");
	if (label == NULL || label[0] == '\0' ||
	    strlen(label) > P11_TOKEN_LABEL_MAX)
		return problem_invalid(
		    p, "token", "A token label is 1 to 32 characters.");
	if ((t = p11_load(module, p)) == NULL)
		return -1;
	if (old_label != NULL) {
		if (p11_slot_find(t, old_label, &slot, p) == -1)
			goto out;
	} else {
		if ((rv = t->fn->C_GetSlotList(CK_TRUE, slots, &count)) !=
		    CKR_OK) {
			p11_fail(p, "C_GetSlotList", rv);
			goto out;
		}
		for (i = 0; i < count && i < P11_SLOTS_MAX && !found; i++)
			if (t->fn->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
			    (ti.flags & CKF_TOKEN_INITIALIZED) == 0) {
				slot = slots[i];
				found = 1;
			}
		if (!found) {
			problem_set(p, 404, "token-not-found",
			    "Token not found",
			    "No token waiting to be initialized is present.");
			goto out;
		}
	}
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label));
	rv = t->fn->C_InitToken(
	    slot, p11_unconst(so_pin), (CK_ULONG)strlen(so_pin), padded);
	if (rv != CKR_OK) {
		p11_init_fail(p, "C_InitToken", rv, "so_pin");
		goto out;
	}
	/* some modules (SoftHSM) move the token to another slot */
	if (p11_slot_find(t, label, &slot, p) == -1)
		goto out;
	t->slot = slot;
	rv = t->fn->C_OpenSession(
	    slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->session);
	if (rv != CKR_OK) {
		p11_fail(p, "C_OpenSession", rv);
		goto out;
	}
	t->have_session = 1;
	rv = t->fn->C_Login(
	    t->session, CKU_SO, p11_unconst(so_pin), (CK_ULONG)strlen(so_pin));
	if (rv != CKR_OK) {
		p11_fail(p, "C_Login", rv);
		goto out;
	}
	t->logged_in = 1;
	rv = t->fn->C_InitPIN(
	    t->session, p11_unconst(user_pin), (CK_ULONG)strlen(user_pin));
	if (rv != CKR_OK) {
		p11_init_fail(p, "C_InitPIN", rv, "pin");
		goto out;
	}
	log_info("p11: token initialized", "slot=%lu", (unsigned long)slot);
	rc = 0;
out:
	p11_close(t);
	return rc;
}

static CK_OBJECT_CLASS
p11_kind_class(enum p11_object_kind kind)
{
	switch (kind) {
	case P11_OBJ_PUBLIC_KEY:
		return CKO_PUBLIC_KEY;
	case P11_OBJ_PRIVATE_KEY:
		return CKO_PRIVATE_KEY;
	case P11_OBJ_CERTIFICATE:
		return CKO_CERTIFICATE;
	default:
		return CKO_DATA;
	}
}

int
p11_labels(struct p11 *t, enum p11_object_kind kind,
    char (*labels)[P11_LABEL_MAX + 1], size_t max, size_t *n, struct problem *p)
{
	CK_OBJECT_HANDLE found[P11_FIND_MAX];
	struct problem scratch;
	unsigned char *v = NULL;
	CK_ULONG count, i;
	size_t vlen;
	int rc = -1;

	*n = 0;
	pthread_mutex_lock(&t->lock);
	if (p11_find(t, p11_kind_class(kind), NULL, found, P11_FIND_MAX, &count,
	        p) == -1)
		goto out;
	for (i = 0; i < count && *n < max; i++) {
		problem_clear(&scratch);
		labels[*n][0] = '\0';
		if (p11_attr_get(t, found[i], CKA_LABEL, P11_LABEL_MAX, &v,
		        &vlen, &scratch) == 0) {
			p11_trim(labels[*n], v, vlen);
			free(v);
			v = NULL;
		}
		(*n)++;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Destroys every object of class cls labelled label.  Called with
 * t->lock held. */
static int
p11_destroy_all(
    struct p11 *t, CK_OBJECT_CLASS cls, const char *label, struct problem *p)
{
	CK_OBJECT_HANDLE found[P11_FIND_MAX];
	CK_ULONG n, i;
	CK_RV rv;

	if (p11_find(t, cls, label, found, P11_FIND_MAX, &n, p) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if ((rv = t->fn->C_DestroyObject(t->session, found[i])) !=
		    CKR_OK)
			return p11_fail(p, "C_DestroyObject", rv);
	return 0;
}

int
p11_data_put(struct p11 *t, const char *label, const void *value, size_t len,
    struct problem *p)
{
	static const char app[] = "rxca";
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[6];
	CK_ULONG ntmpl = 0;
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv;
	int rc = -1;

	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A label is 1 to 64 printable ASCII characters.");
	if (value == NULL || len == 0 || len > P11_DATA_MAX)
		return problem_invalid(p, "value",
		    "A data object is 1 to "
		    "4096 bytes.");
	P11_ATTR(tmpl, ntmpl, CKA_CLASS, &cls, sizeof(cls));
	P11_ATTR(tmpl, ntmpl, CKA_TOKEN, &yes, sizeof(yes));
	P11_ATTR(tmpl, ntmpl, CKA_PRIVATE, &no, sizeof(no));
	P11_ATTR(tmpl, ntmpl, CKA_LABEL, label, strlen(label));
	P11_ATTR(tmpl, ntmpl, CKA_APPLICATION, app, sizeof(app) - 1);
	P11_ATTR(tmpl, ntmpl, CKA_VALUE, value, len);
	pthread_mutex_lock(&t->lock);
	if (p11_destroy_all(t, CKO_DATA, label, p) == -1)
		goto out;
	if ((rv = t->fn->C_CreateObject(t->session, tmpl, ntmpl, &h)) !=
	    CKR_OK) {
		p11_fail(p, "C_CreateObject", rv);
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int
p11_data_exists(struct p11 *t, const char *label, struct problem *p)
{
	CK_OBJECT_HANDLE found[1];
	CK_ULONG n = 0;
	int rc;

	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A label is 1 to 64 printable ASCII characters.");
	pthread_mutex_lock(&t->lock);
	rc = p11_find(t, CKO_DATA, label, found, 1, &n, p);
	pthread_mutex_unlock(&t->lock);
	if (rc == -1)
		return -1;
	return n > 0;
}

int
p11_data_remove(struct p11 *t, const char *label, struct problem *p)
{
	int rc;

	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A label is 1 to 64 printable ASCII characters.");
	pthread_mutex_lock(&t->lock);
	rc = p11_destroy_all(t, CKO_DATA, label, p);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int
p11_key_remove(struct p11 *t, const char *label, struct problem *p)
{
	int rc;

	if (!p11_label_ok(label))
		return problem_invalid(p, "label",
		    "A key label is 1 to 64 printable ASCII characters.");
	pthread_mutex_lock(&t->lock);
	rc = p11_destroy_all(t, CKO_PRIVATE_KEY, label, p);
	if (rc == 0)
		rc = p11_destroy_all(t, CKO_PUBLIC_KEY, label, p);
	pthread_mutex_unlock(&t->lock);
	if (rc == 0)
		log_info("p11: key pair removed", NULL);
	return rc;
}
