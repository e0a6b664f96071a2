/* What each operator role sees, and what a search query is: see
 * api/service/ops_view.h. */
#include <string.h>

#include "api/service/ops_view.h"
#include "common/wallclock.h"
#include "proofing/validate.h"

#define S OPS_SHOW
#define M OPS_MASK
#define H OPS_HIDE

/*
 * THE table: what each role sees of each field.  Columns: reviewer,
 * fulfiller, revoker, auditor, admin (the OPS_VIEW_* bits in order).
 * Keep api/openapi.yaml ("OpsApplication") and docs/operations.md
 * ("What each role sees") the same.
 */
static const struct {
	const char *name;
	enum ops_show show[OPS_VIEW_ROLES];
} ops_view_table[OPS_F_COUNT] = {
    /*                                    rev fulf revk audt admn */
    [OPS_F_NAME] = {"name", {S, S, S, S, S}},
    [OPS_F_EMAIL] = {"email", {S, S, S, S, S}},
    [OPS_F_PHONE] = {"phone", {S, S, H, H, S}},
    [OPS_F_BIRTH] = {"date_of_birth", {S, H, H, H, S}},
    [OPS_F_ADDRESS] = {"home_address", {S, S, H, H, S}},
    [OPS_F_REGION] = {"home_address.state,country", {S, S, S, S, S}},
    [OPS_F_NPI] = {"npi", {S, H, M, M, S}},
    [OPS_F_DEA] = {"dea_number", {S, H, M, M, S}},
    [OPS_F_SSN] = {"ssn", {H, H, H, H, H}},
    [OPS_F_CERTIFICATES] = {"certificates", {S, S, S, S, S}},
    [OPS_F_KITS] = {"kits", {S, S, S, S, S}},
    [OPS_F_PAYMENTS] = {"payments", {S, H, H, S, S}},
    [OPS_F_IDENTITY_CHECKS] = {"identity_checks", {S, H, H, S, S}},
    [OPS_F_TIMELINE] = {"timeline", {S, S, S, S, S}},
    [OPS_F_AUDIT] = {"audit", {H, H, H, S, S}},
    [OPS_F_DUPLICATES] = {"duplicates", {S, H, S, S, S}},
};

#undef S
#undef M
#undef H

enum ops_show
ops_view_show(unsigned roles, enum ops_field f)
{
	enum ops_show best = OPS_HIDE;
	int i;

	if ((int)f < 0 || f >= OPS_F_COUNT || f == OPS_F_SSN)
		return OPS_HIDE;
	for (i = 0; i < OPS_VIEW_ROLES; i++)
		if ((roles & (1u << i)) && ops_view_table[f].show[i] > best)
			best = ops_view_table[f].show[i];
	return best;
}

const char *
ops_view_field_name(enum ops_field f)
{
	if ((int)f < 0 || f >= OPS_F_COUNT)
		return "";
	return ops_view_table[f].name;
}

/* s, or s with all but its last 4 characters as '*'; NULL as null. */
static json_t *
shown(const char *s, enum ops_show how)
{
	char buf[OPS_SEARCH_Q_MAX + 1];
	size_t n, i;

	if (s == NULL)
		return json_null();
	if (how == OPS_SHOW)
		return json_string(s);
	n = strlen(s);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (i = 0; i < n; i++)
		buf[i] = i + 4 < n ? '*' : s[i];
	buf[n] = '\0';
	return json_string(buf);
}

/* Sets key of o to s as roles see field f (absent if hidden). */
static void
put(json_t *o, const char *key, unsigned roles, enum ops_field f, const char *s)
{
	enum ops_show how = ops_view_show(roles, f);

	if (how != OPS_HIDE)
		json_object_set_new(o, key, shown(s, how));
}

/* The JSON array text of a list, or [] if it does not parse. */
static json_t *
list(const char *text)
{
	json_error_t err;
	json_t *v = text != NULL ? json_loads(text, 0, &err) : NULL;

	return v != NULL ? v : json_array();
}

json_t *
ops_view_application(unsigned roles, const struct store_search_row *a)
{
	json_t *o, *who, *home;

	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", a->id,
	    "status", a->status, "policy", a->policy, "product", a->product,
	    "program",
	    a->program != NULL ? json_string(a->program) : json_null(),
	    "created_at", wallclock_json(a->created_at), "updated_at",
	    wallclock_json(a->updated_at));
	who = json_object();
	put(who, "given_name", roles, OPS_F_NAME, a->given_name);
	put(who, "middle_name", roles, OPS_F_NAME, a->middle_name);
	put(who, "family_name", roles, OPS_F_NAME, a->family_name);
	put(who, "email", roles, OPS_F_EMAIL, a->email);
	put(who, "phone", roles, OPS_F_PHONE, a->phone);
	put(who, "date_of_birth", roles, OPS_F_BIRTH, a->date_of_birth);
	put(who, "npi", roles, OPS_F_NPI, a->npi);
	put(who, "dea_number", roles, OPS_F_DEA, a->dea_number);
	home = json_object();
	put(home, "line1", roles, OPS_F_ADDRESS, a->addr_line1);
	put(home, "line2", roles, OPS_F_ADDRESS, a->addr_line2);
	put(home, "city", roles, OPS_F_ADDRESS, a->addr_city);
	put(home, "postal_code", roles, OPS_F_ADDRESS, a->addr_postal_code);
	put(home, "state", roles, OPS_F_REGION, a->addr_state);
	put(home, "country", roles, OPS_F_REGION, a->addr_country);
	json_object_set_new(who, "home_address", home);
	json_object_set_new(o, "applicant", who);
	if (ops_view_show(roles, OPS_F_CERTIFICATES) != OPS_HIDE)
		json_object_set_new(o, "certificates", list(a->certificates));
	if (ops_view_show(roles, OPS_F_KITS) != OPS_HIDE)
		json_object_set_new(o, "kits", list(a->kits));
	return o;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* An id with prefix: the prefix, then 1 to 60 letters, digits, - or _. */
static int
is_id(const char *s, size_t n, const char *prefix)
{
	size_t i, k = strlen(prefix);

	if (n <= k || n > k + 60 || strncmp(s, prefix, k) != 0)
		return 0;
	for (i = k; i < n; i++)
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

/* 16 bytes of hex, as 32 digits or 16 pairs joined by colons, into key as
 * 32 lower-case digits. */
static int
as_serial(const char *s, size_t n, char *key)
{
	size_t i, d = 0;
	int colons = n == 47;

	if (n != 32 && n != 47)
		return 0;
	for (i = 0; i < n; i++) {
		if (colons && i % 3 == 2) {
			if (s[i] != ':')
				return 0;
			continue;
		}
		if (!is_hex((unsigned char)s[i]))
			return 0;
		key[d++] = (char)lower((unsigned char)s[i]);
	}
	key[d] = '\0';
	return d == 32;
}

/* A name: letters (any non-ASCII UTF-8 counts as one), spaces, ' - and
 * ., at least 2 letters; lower-cased with single spaces into key. */
static int
as_name(const char *s, size_t n, char *key)
{
	size_t i, d = 0, letters = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' || c == '\t') {
			if (d > 0 && key[d - 1] != ' ')
				key[d++] = ' ';
			continue;
		}
		if (is_alpha(c) || c >= 0x80)
			letters++;
		else if (c != '\'' && c != '-' && c != '.')
			return 0;
		key[d++] = (char)lower(c);
	}
	while (d > 0 && key[d - 1] == ' ')
		d--;
	key[d] = '\0';
	return letters >= 2 && validate_utf8(key, NULL);
}

int
ops_search_classify(
    const char *q, enum store_search_kind *kind, char *key, size_t keysz)
{
	size_t n, i;

	while (*q == ' ' || *q == '\t')
		q++;
	n = strnlen(q, OPS_SEARCH_Q_MAX + 1);
	if (n > OPS_SEARCH_Q_MAX || keysz < OPS_SEARCH_Q_MAX + 1)
		return -1;
	while (n > 0 && (q[n - 1] == ' ' || q[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	if (is_id(q, n, "app_") || is_id(q, n, "kit_")) {
		*kind =
		    q[0] == 'a' ? STORE_SEARCH_APPLICATION : STORE_SEARCH_KIT;
		memcpy(key, q, n);
		key[n] = '\0';
		return 0;
	}
	if (memchr(q, '@', n) != NULL) {
		for (i = 0; i < n; i++) {
			if ((unsigned char)q[i] <= ' ' || q[i] == 0x7f)
				return -1;
			key[i] = (char)lower((unsigned char)q[i]);
		}
		key[n] = '\0';
		*kind = STORE_SEARCH_EMAIL;
		return 0;
	}
	if (as_serial(q, n, key)) {
		*kind = STORE_SEARCH_SERIAL;
		return 0;
	}
	for (i = 0; i < n && is_digit((unsigned char)q[i]); i++)
		;
	if (n == 10 && i == 10) {
		memcpy(key, q, 10);
		key[10] = '\0';
		*kind = STORE_SEARCH_NPI;
		return 0;
	}
	if (n == 9 && is_alpha((unsigned char)q[0]) &&
	    (is_alpha((unsigned char)q[1]) || q[1] == '9')) {
		for (i = 2; i < 9 && is_digit((unsigned char)q[i]); i++)
			;
		if (i == 9) {
			for (i = 0; i < 9; i++)
				key[i] = (char)upper((unsigned char)q[i]);
			key[9] = '\0';
			*kind = STORE_SEARCH_DEA;
			return 0;
		}
	}
	if (as_name(q, n, key)) {
		*kind = STORE_SEARCH_NAME;
		return 0;
	}
	return -1;
}

const char *
ops_search_kind_name(enum store_search_kind kind)
{
	static const char *const names[] = {
	    [STORE_SEARCH_APPLICATION] = "application",
	    [STORE_SEARCH_KIT] = "kit",
	    [STORE_SEARCH_SERIAL] = "serial",
	    [STORE_SEARCH_EMAIL] = "email",
	    [STORE_SEARCH_NPI] = "npi",
	    [STORE_SEARCH_DEA] = "dea_number",
	    [STORE_SEARCH_NAME] = "name",
	};

	if ((int)kind < 0 || kind > STORE_SEARCH_NAME)
		return "";
	return names[kind];
}

int
ops_search_kind_personal(enum store_search_kind kind)
{
	return kind == STORE_SEARCH_EMAIL || kind == STORE_SEARCH_NPI ||
	    kind == STORE_SEARCH_DEA || kind == STORE_SEARCH_NAME;
}
