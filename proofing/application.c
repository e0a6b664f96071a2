#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/xmalloc.h"
#include "proofing/application.h"
#include "proofing/secret.h"
#include "proofing/validate.h"

#define PATHSZ        96  /* as problem_field.field */
#define TAKE_REQUIRED 0x1 /* absent, null or empty is an error */
#define TAKE_TRIM     0x2 /* trim surrounding whitespace */
#define SLUG_MAX      64  /* program and voucher codes */
#define VOUCHER_MIN   4   /* shortest voucher code */
#define VERSION_MAX   32  /* subscriber agreement version */
#define POSTAL_MAX    16  /* postal code outside the U.S. */
#define SHORT_MAX     32  /* fixed-form fields before validation */

enum {
	T_PRODUCT,
	T_STORAGE,
	T_SHIPPING,
	T_PROGRAM,
	T_VOUCHER,
	T_APPLICANT,
	T_AVS,
	T_PAYMENT,
	T_ACCOUNT,
	T_AGREEMENT,
	T_INVITATION,
	T_N
};
static const char *const top_keys[T_N] = {"product", "storage", "shipping",
    "program", "voucher", "applicant", "address_verification", "payment",
    "account", "subscriber_agreement", "invitation"};

enum {
	A_GIVEN,
	A_MIDDLE,
	A_FAMILY,
	A_DOB,
	A_EMAIL,
	A_PHONE,
	A_HOME,
	A_NPI,
	A_DEA,
	A_SSN,
	A_N
};
static const char *const applicant_keys[A_N] = {"given_name", "middle_name",
    "family_name", "date_of_birth", "email", "phone", "home_address", "npi",
    "dea_number", "ssn_last4"};

enum { H_LINE1, H_LINE2, H_CITY, H_STATE, H_POSTAL, H_COUNTRY, H_N };
static const char *const home_keys[H_N] = {
    "line1", "line2", "city", "state", "postal_code", "country"};

enum { C_PASSWORD, C_QUESTIONS, C_N };
static const char *const account_keys[C_N] = {"password", "secret_questions"};

enum { Q_QUESTION, Q_ANSWER, Q_N };
static const char *const qa_keys[Q_N] = {"question", "answer"};

enum { G_VERSION, G_ACCEPTED, G_N };
static const char *const agreement_keys[G_N] = {"version", "accepted"};

static const char *const card_keys[] = {"card_token"};

/*
 * jansson's object iterator takes a json_t * although iterating only
 * reads; this is the one place the parser drops const.
 */
static json_t *
writable(const json_t *j)
{
	union {
		const json_t *c;
		json_t *w;
	} u;

	u.c = j;
	return u.w;
}

/*
 * parent.key into buf, for a key from the client: cut at a UTF-8 boundary
 * when it does not fit, control bytes shown as '?'.
 */
static void
path_join(char *buf, size_t bufsz, const char *parent, const char *key)
{
	size_t o, i;
	unsigned char c;

	snprintf(buf, bufsz, "%s%s", parent, parent[0] != '\0' ? "." : "");
	o = strlen(buf);
	for (i = 0; key[i] != '\0' && o + 1 < bufsz; i++) {
		c = (unsigned char)key[i];
		buf[o++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (key[i] != '\0') {
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && (unsigned char)buf[o - 1] >= 0xc0)
			o--;
	}
	buf[o] = '\0';
}

/*
 * Points vals[i] at the member keys[i] of obj (borrowed; NULL if absent)
 * and reports every other member as an unknown field.  Returns -1 if obj
 * is absent, null or not an object.
 */
static int
take_object(const json_t *obj, const char *path, const char *const *keys,
    size_t n, json_t **vals, struct problem *p)
{
	const char *key;
	char fp[PATHSZ];
	json_t *v;
	size_t i;

	for (i = 0; i < n; i++)
		vals[i] = NULL;
	if (obj == NULL || json_is_null(obj))
		return problem_field(p, path, "is required");
	if (!json_is_object(obj))
		return problem_field(p, path, "expected an object");
	json_object_foreach(writable(obj), key, v)
	{
		for (i = 0; i < n && strcmp(key, keys[i]) != 0; i++)
			continue;
		if (i < n) {
			vals[i] = v;
			continue;
		}
		if (p->nfields < BOUND_FIELD_ERRORS) {
			path_join(fp, sizeof(fp), path, key);
			problem_field(p, fp, "unknown field");
		}
	}
	return 0;
}

static void
trim(char *s)
{
	size_t a = 0, n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	while (a < n && strchr(" \t\r\n", s[a]) != NULL)
		a++;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
}

/*
 * Copies the string v into *out (caller frees).  Returns 1 if a non-empty
 * string was taken, 0 if an optional value is absent, null or empty
 * (*out stays NULL), -1 after reporting the field.  At most max bytes.
 */
static int
take_string(const json_t *v, const char *path, int flags, size_t max,
    char **out, struct problem *p)
{
	const char *s;
	size_t len;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (flags & TAKE_REQUIRED)
			return problem_field(p, path, "is required");
		return 0;
	}
	if (!json_is_string(v))
		return problem_field(p, path, "expected a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max)
		return problem_field(
		    p, path, "is too long (at most %zu bytes)", max);
	if (memchr(s, '\0', len) != NULL)
		return problem_field(p, path, "must not contain NUL");
	*out = xstrndup(s, len);
	if (flags & TAKE_TRIM)
		trim(*out);
	if ((*out)[0] != '\0')
		return 1;
	free(*out);
	*out = NULL;
	if (flags & TAKE_REQUIRED)
		return problem_field(p, path, "must not be empty");
	return 0;
}

/* As take_string, and drops a value that fails check with message. */
static int
take_checked(const json_t *v, const char *path, int flags, size_t max,
    int (*check)(const char *), const char *message, char **out,
    struct problem *p)
{
	int r;

	if ((r = take_string(v, path, flags, max, out, p)) != 1)
		return r;
	if (check(*out))
		return 1;
	free(*out);
	*out = NULL;
	return problem_field(p, path, "%s", message);
}

static int
is_slug(const char *s, size_t min, int upper)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-')
			continue;
		if (upper && s[i] >= 'A' && s[i] <= 'Z')
			continue;
		return 0;
	}
	return i >= min && i <= SLUG_MAX;
}

static int
check_program(const char *s)
{
	return is_slug(s, 1, 0);
}

/* The token of an invitation's link: 43 base64url characters. */
static int
check_invitation(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		        s[i] == '_'))
			return 0;
	return i == INVITATION_TOKEN_CHARS;
}

static int
check_voucher(const char *s)
{
	return is_slug(s, VOUCHER_MIN, 1);
}

static int
check_country(const char *s)
{
	return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
	    s[1] <= 'Z';
}

static int
check_ssn4(const char *s)
{
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		continue;
	return i == 4 && s[i] == '\0';
}

static int
check_addr(const char *s)
{
	return validate_text(s, BOUND_ADDR_LINE);
}

static int
check_region(const char *s)
{
	return validate_text(s, BOUND_SHORT);
}

static int
check_postal(const char *s)
{
	return validate_printable(s, POSTAL_MAX, 1);
}

static int
check_token(const char *s)
{
	return validate_printable(s, BOUND_TOKEN_REF, 0);
}

static int
check_version(const char *s)
{
	return validate_printable(s, VERSION_MAX, 1);
}

static int
check_question(const char *s)
{
	return validate_text(s, BOUND_QUESTION);
}

/* Valid UTF-8 whose only control characters are whitespace. */
static int
check_answer(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!validate_utf8(s, NULL))
		return 0;
	for (; *u != '\0'; u++)
		if ((*u < 0x20 && strchr("\t\n\r\v\f", *u) == NULL) ||
		    *u == 0x7f)
			return 0;
	return 1;
}

static void
ascii_case(char *s, int upper)
{
	for (; *s != '\0'; s++) {
		if (upper && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (!upper && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

static void
parse_address(const json_t *v, struct application_input *out, int *country_ok,
    struct problem *p)
{
	static const char text[] = "must be text without control characters";
	json_t *h[H_N];

	if (take_object(v, "applicant.home_address", home_keys, H_N, h, p) ==
	    -1)
		return;
	take_checked(h[H_LINE1], "applicant.home_address.line1",
	    TAKE_REQUIRED | TAKE_TRIM, BOUND_ADDR_LINE, check_addr, text,
	    &out->line1, p);
	take_checked(h[H_LINE2], "applicant.home_address.line2", TAKE_TRIM,
	    BOUND_ADDR_LINE, check_addr, text, &out->line2, p);
	take_checked(h[H_CITY], "applicant.home_address.city",
	    TAKE_REQUIRED | TAKE_TRIM, BOUND_ADDR_LINE, check_addr, text,
	    &out->city, p);
	*country_ok =
	    take_checked(h[H_COUNTRY], "applicant.home_address.country",
	        TAKE_REQUIRED, SHORT_MAX, check_country,
	        "must be two upper-case letters (ISO 3166-1)", &out->country,
	        p) == 1;
	if (*country_ok && strcmp(out->country, "US") == 0) {
		take_checked(h[H_STATE], "applicant.home_address.state",
		    TAKE_REQUIRED | TAKE_TRIM, SHORT_MAX, validate_us_state,
		    "must be a USPS state code", &out->state, p);
		take_checked(h[H_POSTAL], "applicant.home_address.postal_code",
		    TAKE_REQUIRED | TAKE_TRIM, SHORT_MAX, validate_zip,
		    "must be a ZIP code: 12345 or 12345-6789",
		    &out->postal_code, p);
	} else {
		take_checked(h[H_STATE], "applicant.home_address.state",
		    TAKE_TRIM, BOUND_SHORT, check_region, text, &out->state, p);
		take_checked(h[H_POSTAL], "applicant.home_address.postal_code",
		    TAKE_REQUIRED | TAKE_TRIM, SHORT_MAX, check_postal,
		    "must be 1 to 16 printable characters", &out->postal_code,
		    p);
	}
}

static void
parse_birth(const json_t *v, time_t now, struct application_input *out,
    struct problem *p)
{
	static const char path[] = "applicant.date_of_birth";
	char *s = NULL;
	int y, m, d;

	if (take_string(v, path, TAKE_REQUIRED, SHORT_MAX, &s, p) != 1)
		return;
	if (!validate_date(s, &y, &m, &d))
		problem_field(p, path, "must be a date YYYY-MM-DD");
	else if (!validate_age_at_least(y, m, d, now, APPLICATION_MIN_AGE))
		problem_field(p, path,
		    "the applicant must be at least %d years old",
		    APPLICATION_MIN_AGE);
	else
		memcpy(out->date_of_birth, s, sizeof(out->date_of_birth));
	free(s);
}

static void
parse_applicant(const json_t *v, const struct catalog_product *prod, time_t now,
    struct application_input *out, int *country_ok, struct problem *p)
{
	static const char name[] =
	    "must hold letters, spaces, apostrophes, hyphens or periods only";
	json_t *a[A_N];
	int epcs = prod != NULL && prod->epcs, r;

	if (take_object(v, "applicant", applicant_keys, A_N, a, p) == -1)
		return;
	take_checked(a[A_GIVEN], "applicant.given_name",
	    TAKE_REQUIRED | TAKE_TRIM, BOUND_NAME, validate_name, name,
	    &out->given_name, p);
	take_checked(a[A_MIDDLE], "applicant.middle_name", TAKE_TRIM,
	    BOUND_NAME, validate_name, name, &out->middle_name, p);
	take_checked(a[A_FAMILY], "applicant.family_name",
	    TAKE_REQUIRED | TAKE_TRIM, BOUND_NAME, validate_name, name,
	    &out->family_name, p);
	parse_birth(a[A_DOB], now, out, p);
	if (take_string(a[A_EMAIL], "applicant.email", TAKE_REQUIRED,
	        BOUND_EMAIL, &out->email, p) == 1) {
		ascii_case(out->email, 0);
		if (!validate_email(out->email))
			problem_field(p, "applicant.email",
			    "must be a valid e-mail address");
	}
	take_checked(a[A_PHONE], "applicant.phone", TAKE_REQUIRED, SHORT_MAX,
	    validate_phone_e164, "must be an E.164 number, e.g. +13175550100",
	    &out->phone, p);
	parse_address(a[A_HOME], out, country_ok, p);
	r = take_checked(a[A_NPI], "applicant.npi", 0, SHORT_MAX, validate_npi,
	    "must be a 10-digit NPI with a valid check digit", &out->npi, p);
	if (r == 0 && epcs)
		problem_field(
		    p, "applicant.npi", "is required for an EPCS certificate");
	r = take_string(a[A_DEA], "applicant.dea_number", 0, SHORT_MAX,
	    &out->dea_number, p);
	if (r == 1) {
		ascii_case(out->dea_number, 1);
		/* Without a valid family name its initial is unknown. */
		if (out->family_name != NULL &&
		    !validate_dea(out->dea_number, out->family_name))
			problem_field(p, "applicant.dea_number",
			    "must be a DEA number whose second letter is the "
			    "family name's initial, with a valid check digit");
	} else if (r == 0 && epcs)
		problem_field(p, "applicant.dea_number",
		    "is required for an EPCS certificate");
	take_checked(a[A_SSN], "applicant.ssn_last4", TAKE_REQUIRED, SHORT_MAX,
	    check_ssn4, "must be exactly 4 digits", &out->ssn_last4, p);
}

static void
parse_card(const json_t *v, const char *path, char **out, struct problem *p)
{
	char fp[PATHSZ];
	json_t *c[1];

	if (take_object(v, path, card_keys, 1, c, p) == -1)
		return;
	path_join(fp, sizeof(fp), path, "card_token");
	take_checked(c[0], fp, TAKE_REQUIRED, BOUND_TOKEN_REF, check_token,
	    "must be printable ASCII without spaces", out, p);
}

static int
ascii_caseeq(const char *a, const char *b, size_t n)
{
	size_t i;
	int x, y;

	for (i = 0; i < n; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/* Whether the password is the e-mail address or its local part. */
static int
password_is_email(const char *pw, const char *email)
{
	size_t n = strlen(pw), local;

	if (email == NULL)
		return 0;
	local = strcspn(email, "@");
	return (n == strlen(email) && ascii_caseeq(pw, email, n)) ||
	    (n == local && ascii_caseeq(pw, email, n));
}

/* Checks one question and answer; fills norm (the normalised question)
 * and returns 1 if the question can be compared with the others. */
static int
parse_question(const json_t *v, int i, struct secret_qa *qa, char *norm,
    size_t normsz, struct problem *p)
{
	char base[PATHSZ], fq[PATHSZ], fa[PATHSZ];
	char answer[BOUND_ANSWER * 4 + 1];
	json_t *q[Q_N];
	int comparable = 0;

	snprintf(base, sizeof(base), "account.secret_questions[%d]", i);
	snprintf(fq, sizeof(fq), "account.secret_questions[%d].question", i);
	snprintf(fa, sizeof(fa), "account.secret_questions[%d].answer", i);
	if (take_object(v, base, qa_keys, Q_N, q, p) == -1)
		return 0;
	if (take_checked(q[Q_QUESTION], fq, TAKE_REQUIRED | TAKE_TRIM,
	        BOUND_QUESTION, check_question,
	        "must be text without control characters", &qa->question,
	        p) == 1)
		comparable =
		    secret_normalize_answer(qa->question, norm, normsz) == 0;
	if (take_checked(q[Q_ANSWER], fa, TAKE_REQUIRED, BOUND_ANSWER * 4,
	        check_answer, "must be text without control characters",
	        &qa->answer, p) == 1) {
		if (secret_normalize_answer(
		        qa->answer, answer, sizeof(answer)) == -1)
			problem_field(p, fa, "must not be empty");
		else if (strlen(answer) > BOUND_ANSWER)
			problem_field(p, fa, "is too long (at most %d bytes)",
			    BOUND_ANSWER);
		OPENSSL_cleanse(answer, sizeof(answer));
	}
	return comparable;
}

static void
parse_questions(const json_t *v, enum policy policy,
    struct application_input *out, struct problem *p)
{
	static const char path[] = "account.secret_questions";
	char norm[BOUND_QUESTIONS][BOUND_QUESTION + 1], fq[PATHSZ];
	int ok[BOUND_QUESTIONS], i, j;
	size_t n;

	if (v == NULL || json_is_null(v)) {
		if (policy == POLICY_IGC)
			problem_field(p, path, "is required");
		return;
	}
	if (!json_is_array(v)) {
		problem_field(p, path, "expected an array");
		return;
	}
	n = json_array_size(v);
	if (n == 0 && policy == POLICY_NIST)
		return;
	if (n != BOUND_QUESTIONS) {
		problem_field(
		    p, path, "must hold exactly %d questions", BOUND_QUESTIONS);
		return;
	}
	for (i = 0; i < BOUND_QUESTIONS; i++)
		ok[i] = parse_question(json_array_get(v, (size_t)i), i,
		    &out->qa[i], norm[i], sizeof(norm[i]), p);
	out->nqa = BOUND_QUESTIONS;
	for (j = 1; j < BOUND_QUESTIONS; j++) {
		for (i = 0; i < j; i++) {
			if (ok[i] && ok[j] && strcmp(norm[i], norm[j]) == 0) {
				snprintf(
				    fq, sizeof(fq), "%s[%d].question", path, j);
				problem_field(p, fq,
				    "must differ from the other questions");
				break;
			}
		}
	}
}

static void
parse_account(const json_t *v, enum policy policy,
    struct application_input *out, struct problem *p)
{
	static const char path[] = "account.password";
	json_t *c[C_N];
	const char *why;

	if (take_object(v, "account", account_keys, C_N, c, p) == -1)
		return;
	if (take_string(c[C_PASSWORD], path, TAKE_REQUIRED,
	        BOUND_PASSWORD_MAX * 4, &out->password, p) == 1) {
		if (!validate_password(out->password, &why))
			problem_field(p, path, "%s", why);
		else if (password_is_email(out->password, out->email))
			problem_field(
			    p, path, "must not be your e-mail address");
	}
	parse_questions(c[C_QUESTIONS], policy, out, p);
}

static void
parse_agreement(
    const json_t *v, struct application_input *out, struct problem *p)
{
	static const char path[] = "subscriber_agreement.accepted";
	json_t *g[G_N];

	if (take_object(v, "subscriber_agreement", agreement_keys, G_N, g, p) ==
	    -1)
		return;
	take_checked(g[G_VERSION], "subscriber_agreement.version",
	    TAKE_REQUIRED | TAKE_TRIM, VERSION_MAX, check_version,
	    "must be 1 to 32 printable characters", &out->agreement_version, p);
	if (g[G_ACCEPTED] == NULL || json_is_null(g[G_ACCEPTED]))
		problem_field(p, path, "is required");
	else if (!json_is_boolean(g[G_ACCEPTED]))
		problem_field(p, path, "expected true or false");
	else if (!json_is_true(g[G_ACCEPTED]))
		problem_field(p, path, "must be true");
}

int
application_parse(const json_t *body, enum policy policy, time_t now,
    const struct catalog *cat, struct application_input *out, struct problem *p)
{
	const struct catalog_product *prod;
	json_t *t[T_N];
	int country_ok = 0;

	memset(out, 0, sizeof(*out));
	if (body == NULL || !json_is_object(body)) {
		problem_set(p, 400, "malformed-json", "Malformed JSON",
		    "The body must be a JSON object.");
		goto fail;
	}
	take_object(body, "", top_keys, T_N, t, p);
	take_string(t[T_PRODUCT], "product", TAKE_REQUIRED, BOUND_SHORT - 1,
	    &out->product, p);
	take_string(t[T_STORAGE], "storage", TAKE_REQUIRED, BOUND_SHORT - 1,
	    &out->storage, p);
	take_string(t[T_SHIPPING], "shipping", TAKE_REQUIRED, BOUND_SHORT - 1,
	    &out->shipping, p);
	take_checked(t[T_PROGRAM], "program", 0, SLUG_MAX, check_program,
	    "must be 1 to 64 lower-case letters, digits or hyphens",
	    &out->program, p);
	take_checked(t[T_VOUCHER], "voucher", 0, SLUG_MAX, check_voucher,
	    "must be 4 to 64 letters, digits or hyphens", &out->voucher, p);
	take_checked(t[T_INVITATION], "invitation", 0, INVITATION_TOKEN_CHARS,
	    check_invitation, "the token of an invitation's link",
	    &out->invitation, p);
	prod = catalog_product(cat, out->product);

	parse_applicant(t[T_APPLICANT], prod, now, out, &country_ok, p);
	parse_card(t[T_AVS], "address_verification", &out->avs_card_token, p);
	parse_card(t[T_PAYMENT], "payment", &out->payment_card_token, p);
	parse_account(t[T_ACCOUNT], policy, out, p);
	parse_agreement(t[T_AGREEMENT], out, p);

	/* Shipping is checked against the country, so price needs both. */
	if (out->product != NULL && out->storage != NULL &&
	    out->shipping != NULL && country_ok)
		price_compute(cat, out->product, out->storage, out->shipping,
		    out->country, out->state, 0, &out->price, p);
	else if (out->product != NULL && prod == NULL)
		problem_field(p, "product", "unknown product");
	if (p->status != 0)
		goto fail;
	return 0;
fail:
	application_input_free(out);
	return -1;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
application_input_free(struct application_input *in)
{
	int i;

	if (in == NULL)
		return;
	free(in->product);
	free(in->storage);
	free(in->shipping);
	free(in->program);
	free(in->voucher);
	wipe_free(in->invitation);
	free(in->given_name);
	free(in->middle_name);
	free(in->family_name);
	free(in->email);
	free(in->phone);
	free(in->line1);
	free(in->line2);
	free(in->city);
	free(in->state);
	free(in->postal_code);
	free(in->country);
	free(in->npi);
	free(in->dea_number);
	wipe_free(in->ssn_last4);
	wipe_free(in->avs_card_token);
	wipe_free(in->payment_card_token);
	wipe_free(in->password);
	for (i = 0; i < BOUND_QUESTIONS; i++) {
		free(in->qa[i].question);
		wipe_free(in->qa[i].answer);
	}
	free(in->agreement_version);
	memset(in, 0, sizeof(*in));
}
