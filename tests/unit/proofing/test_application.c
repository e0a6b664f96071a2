/*
 * Unit tests of proofing/application.c: valid and hostile POST
 * /v1/applications bodies from tests/data/applications (directory from
 * RXCA_TEST_DATA), each with its status and the fields it must name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/application.h"
#include "proofing/validate.h"
#include "seedcat.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NOW       ((time_t)1795322979) /* 2026-11-22T04:49:39Z */
#define IGC       POLICY_IGC
#define NIST      POLICY_NIST

static struct catalog cat;

static const struct {
	const char *file;
	enum policy policy;
	int status;
	const char *fields[8];
} cases[] = {
    {"valid.json", IGC, 0, {NULL}}, {"valid.json", NIST, 0, {NULL}},
    {"valid_trimmed_ca.json", IGC, 0, {NULL}},
    {"valid_software_abroad.json", NIST, 0, {NULL}},
    {"valid_software_abroad.json", IGC, 422, {"account.secret_questions"}},
    {"unknown_field.json", IGC, 422, {"admin", "applicant.home_address.zip"}},
    {"wrong_type.json", IGC, 422,
        {"product", "applicant.date_of_birth", "payment",
            "subscriber_agreement.accepted"}},
    {"missing_fields.json", IGC, 422,
        {"product", "storage", "shipping", "applicant", "address_verification",
            "payment", "account", "subscriber_agreement"}},
    {"missing_fields.json", NIST, 422, {"account"}},
    {"missing_applicant_fields.json", IGC, 422,
        {"applicant.family_name", "applicant.date_of_birth", "applicant.email",
            "applicant.phone", "applicant.home_address", "applicant.npi",
            "applicant.dea_number", "applicant.ssn_last4"}},
    {"deep_nesting.json", IGC, 422,
        {"applicant.given_name", "applicant.extra"}},
    {"long_strings.json", IGC, 422,
        {"product", "applicant.given_name", "applicant.home_address.line1",
            "applicant.email", "account.password",
            "address_verification.card_token",
            "account.secret_questions[0].answer"}},
    {"bad_dea_letter.json", IGC, 422, {"applicant.dea_number"}},
    {"bad_dea_check.json", IGC, 422, {"applicant.dea_number"}},
    {"bad_npi.json", IGC, 422, {"applicant.npi"}},
    {"minor.json", IGC, 422, {"applicant.date_of_birth"}},
    {"bad_date.json", IGC, 422, {"applicant.date_of_birth"}},
    {"dup_questions.json", IGC, 422, {"account.secret_questions[1].question"}},
    {"two_questions.json", IGC, 422, {"account.secret_questions"}},
    {"two_questions.json", NIST, 422, {"account.secret_questions"}},
    {"empty_answer.json", IGC, 422, {"account.secret_questions[2].answer"}},
    {"questions_not_array.json", NIST, 422, {"account.secret_questions"}},
    {"question_extra_key.json", IGC, 422, {"account.secret_questions[0].hint"}},
    {"agreement_false.json", IGC, 422, {"subscriber_agreement.accepted"}},
    {"international_us.json", IGC, 422, {"shipping"}},
    {"domestic_abroad.json", IGC, 422, {"shipping"}},
    {"unknown_product.json", IGC, 422, {"product"}},
    {"storage_mismatch.json", IGC, 422, {"storage"}},
    {"bad_email.json", IGC, 422, {"applicant.email"}},
    {"common_password.json", IGC, 422, {"account.password"}},
    {"password_is_email.json", IGC, 422, {"account.password"}},
    {"short_password.json", IGC, 422, {"account.password"}},
    {"missing_npi.json", IGC, 422, {"applicant.npi"}},
    {"missing_dea.json", IGC, 422, {"applicant.dea_number"}},
    {"bad_state.json", IGC, 422, {"applicant.home_address.state"}},
    {"missing_state.json", IGC, 422, {"applicant.home_address.state"}},
    {"bad_zip.json", IGC, 422, {"applicant.home_address.postal_code"}},
    {"bad_country.json", IGC, 422, {"applicant.home_address.country"}},
    {"bad_phone.json", IGC, 422, {"applicant.phone"}},
    {"bad_ssn.json", IGC, 422, {"applicant.ssn_last4"}},
    {"bad_names.json", IGC, 422,
        {"applicant.given_name", "applicant.family_name"}},
    /* jansson refuses \u0000 unless asked (JSON_ALLOW_NUL) */
    {"nul_in_string.json", IGC, 400, {NULL}},
    {"bad_program_voucher.json", IGC, 422, {"program", "voucher"}},
    {"bad_invitation_short.json", IGC, 422, {"invitation"}},
    {"bad_invitation_chars.json", IGC, 422, {"invitation"}},
    {"bad_cards.json", IGC, 422,
        {"address_verification.card_token", "payment.card_token"}},
    {"control_chars.json", IGC, 422,
        {"applicant.home_address.line1", "applicant.home_address.city"}},
    {"many_unknown.json", IGC, 422, {"x000"}},
    {"body_array.json", IGC, 400, {NULL}},
    {"duplicate_key.json", IGC, 400, {NULL}}, /* as the server */
};

static int
has_field(const struct problem *p, const char *field)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		if (strcmp(p->fields[i].field, field) == 0)
			return 1;
	return 0;
}

static void
dump_problem(const char *file, const struct problem *p)
{
	int i;

	fprintf(stderr, "\n%s: status %d (%s)\n", file, p->status, p->detail);
	for (i = 0; i < p->nfields; i++)
		fprintf(stderr, "  %s: %s\n", p->fields[i].field,
		    p->fields[i].message);
}

/* The body in tests/data/applications/name, loaded as the server does;
 * NULL if it is not JSON. */
static json_t *
load(const char *name)
{
	const char *dir;
	char path[1024];
	json_error_t err;

	if ((dir = getenv("RXCA_TEST_DATA")) == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/applications/%s", dir, name);
	return json_load_file(path, JSON_REJECT_DUPLICATES, &err);
}

/* Parses as the server would: a body that is not JSON is a 400. */
static int
parse(json_t *body, enum policy policy, time_t now,
    struct application_input *in, struct problem *p)
{
	problem_clear(p);
	if (body == NULL) {
		problem_set(p, 400, "malformed-json", "Malformed JSON", "x");
		memset(in, 0, sizeof(*in));
		return -1;
	}
	return application_parse(body, policy, now, &cat, in, p);
}

static void
test_files(void)
{
	struct application_input in;
	struct problem p;
	size_t i, k;
	json_t *body;
	int rc, j;

	for (i = 0; i < NITEMS(cases); i++) {
		body = load(cases[i].file);
		if (body == NULL && cases[i].status != 400)
			fprintf(stderr, "\ncannot load %s\n", cases[i].file);
		rc = parse(body, cases[i].policy, NOW, &in, &p);
		if (p.status != cases[i].status)
			dump_problem(cases[i].file, &p);
		CU_ASSERT_EQUAL(rc, cases[i].status == 0 ? 0 : -1);
		CU_ASSERT_EQUAL(p.status, cases[i].status);
		for (k = 0;
		     k < NITEMS(cases[i].fields) && cases[i].fields[k] != NULL;
		     k++) {
			if (!has_field(&p, cases[i].fields[k])) {
				fprintf(stderr, "\n%s: no field %s\n",
				    cases[i].file, cases[i].fields[k]);
				dump_problem(cases[i].file, &p);
			}
			CU_ASSERT(has_field(&p, cases[i].fields[k]));
		}
		/* every report is showable: UTF-8, non-empty */
		for (j = 0; j < p.nfields; j++) {
			CU_ASSERT(validate_utf8(p.fields[j].field, NULL));
			CU_ASSERT(p.fields[j].message[0] != '\0');
		}
		if (rc == -1)
			CU_ASSERT_PTR_NULL(in.product);
		application_input_free(&in);
		json_decref(body);
	}
}

static void
test_valid_values(void)
{
	struct application_input in;
	struct problem p;
	json_t *body;

	body = load("valid.json");
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT_FATAL(parse(body, IGC, NOW, &in, &p) == 0);
	CU_ASSERT_STRING_EQUAL(in.product, "epcs-hardware");
	CU_ASSERT_STRING_EQUAL(in.storage, "new-token");
	CU_ASSERT_STRING_EQUAL(in.shipping, "usps");
	CU_ASSERT_STRING_EQUAL(in.program, "isalus");
	CU_ASSERT_PTR_NULL(in.invitation);
	CU_ASSERT_PTR_NULL(in.voucher);
	CU_ASSERT_STRING_EQUAL(in.given_name, "Ada");
	CU_ASSERT_PTR_NULL(in.middle_name);
	CU_ASSERT_STRING_EQUAL(in.family_name, "Lovelace");
	CU_ASSERT_STRING_EQUAL(in.date_of_birth, "1975-12-10");
	CU_ASSERT_STRING_EQUAL(in.email, "ada@example.org");
	CU_ASSERT_STRING_EQUAL(in.phone, "+13175550100");
	CU_ASSERT_STRING_EQUAL(in.line1, "1 Main St");
	CU_ASSERT_PTR_NULL(in.line2);
	CU_ASSERT_STRING_EQUAL(in.city, "Indianapolis");
	CU_ASSERT_STRING_EQUAL(in.state, "IN");
	CU_ASSERT_STRING_EQUAL(in.postal_code, "46204");
	CU_ASSERT_STRING_EQUAL(in.country, "US");
	CU_ASSERT_STRING_EQUAL(in.npi, "1234567893");
	CU_ASSERT_STRING_EQUAL(in.dea_number, "AL1234563");
	CU_ASSERT_STRING_EQUAL(in.ssn_last4, "1234");
	CU_ASSERT_STRING_EQUAL(in.avs_card_token, "tok_avs_4242");
	CU_ASSERT_STRING_EQUAL(in.payment_card_token, "tok_pay_4242");
	CU_ASSERT_STRING_EQUAL(in.password, "correct horse battery staple");
	CU_ASSERT_EQUAL(in.nqa, 3);
	CU_ASSERT_STRING_EQUAL(in.qa[0].question, "Name of your first pet?");
	CU_ASSERT_STRING_EQUAL(in.qa[2].answer, "Mrs  Jones");
	CU_ASSERT_STRING_EQUAL(in.agreement_version, "2026-01");
	CU_ASSERT_EQUAL(in.price.total_cents, 17700);
	CU_ASSERT_EQUAL(in.price.tax_cents, 0);
	application_input_free(&in);
	CU_ASSERT_PTR_NULL(in.password);
	application_input_free(&in); /* twice is harmless */
	application_input_free(NULL);
	json_decref(body);

	body = load("valid_trimmed_ca.json");
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT_FATAL(parse(body, IGC, NOW, &in, &p) == 0);
	CU_ASSERT_STRING_EQUAL(in.given_name, "Ada");
	CU_ASSERT_STRING_EQUAL(in.family_name, "Lovelace");
	CU_ASSERT_PTR_NULL(in.middle_name);
	CU_ASSERT_PTR_NULL(in.line2);
	CU_ASSERT_STRING_EQUAL(in.email, "ada.lovelace@example.org");
	CU_ASSERT_STRING_EQUAL(in.dea_number, "AL1234563");
	CU_ASSERT_STRING_EQUAL(in.postal_code, "46204-1234");
	CU_ASSERT_STRING_EQUAL(in.voucher, "WELCOME-2026");
	CU_ASSERT_EQUAL(in.price.tax_rate_bp, 725);
	CU_ASSERT_EQUAL(in.price.tax_cents, 1283);
	CU_ASSERT_EQUAL(in.price.total_cents, 18983);
	application_input_free(&in);
	json_decref(body);

	body = load("valid_software_abroad.json");
	CU_ASSERT_FATAL(body != NULL);
	CU_ASSERT_FATAL(parse(body, NIST, NOW, &in, &p) == 0);
	CU_ASSERT_EQUAL(in.nqa, 0);
	CU_ASSERT_PTR_NULL(in.npi);
	CU_ASSERT_PTR_NULL(in.dea_number);
	CU_ASSERT_PTR_NULL(in.state);
	CU_ASSERT_STRING_EQUAL(in.postal_code, "SW1A 2AA");
	CU_ASSERT_EQUAL(in.price.total_cents, 9900 + 4995);
	application_input_free(&in);
	json_decref(body);

	/* An invitation link's token. */
	body = load("valid.json");
	CU_ASSERT_FATAL(body != NULL);
	json_object_set_new(body, "invitation",
	    json_string("q0l3b1Hc2k0s8Q7s6rK1mB2V9d4x5Yz7aW3eT6uI8oP"));
	CU_ASSERT_FATAL(parse(body, IGC, NOW, &in, &p) == 0);
	CU_ASSERT_STRING_EQUAL(
	    in.invitation, "q0l3b1Hc2k0s8Q7s6rK1mB2V9d4x5Yz7aW3eT6uI8oP");
	application_input_free(&in);
	CU_ASSERT_PTR_NULL(in.invitation);
	json_decref(body);
}

/* valid.json with one string field of the applicant replaced. */
static int
parse_with(const char *obj, const char *key, json_t *value, time_t now,
    struct problem *p)
{
	struct application_input in;
	json_t *body, *o;
	int rc;

	body = load("valid.json");
	CU_ASSERT_FATAL(body != NULL);
	o = obj != NULL ? json_object_get(body, obj) : body;
	json_object_set_new(o, key, value);
	rc = parse(body, IGC, now, &in, p);
	application_input_free(&in);
	json_decref(body);
	return rc;
}

static void
test_edges(void)
{
	struct problem p;
	json_t *j;
	char key[512];
	size_t i;

	/* 18 today at the fixed clock; a day short of 18 */
	CU_ASSERT_EQUAL(parse_with("applicant", "date_of_birth",
	                    json_string("2008-11-22"), NOW, &p),
	    0);
	CU_ASSERT_EQUAL(parse_with("applicant", "date_of_birth",
	                    json_string("2008-11-23"), NOW, &p),
	    -1);
	CU_ASSERT(has_field(&p, "applicant.date_of_birth"));
	/* Feb 29 births come of age on Mar 1 in a common year */
	CU_ASSERT_EQUAL(parse_with("applicant", "date_of_birth",
	                    json_string("2008-02-29"), (time_t)1772323199, &p),
	    -1);
	CU_ASSERT_EQUAL(parse_with("applicant", "date_of_birth",
	                    json_string("2008-02-29"), (time_t)1772323200, &p),
	    0);
	/* null for a required field */
	CU_ASSERT_EQUAL(
	    parse_with("applicant", "email", json_null(), NOW, &p), -1);
	CU_ASSERT(has_field(&p, "applicant.email"));
	CU_ASSERT_STRING_EQUAL(p.fields[0].message, "is required");
	/* a NUL inside a string, should a loader let one through */
	CU_ASSERT_EQUAL(parse_with("applicant", "given_name",
	                    json_stringn("Ada\0Byron", 9), NOW, &p),
	    -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.given_name");
	CU_ASSERT_STRING_EQUAL(p.fields[0].message, "must not contain NUL");
	/* a type error names the field and the type */
	CU_ASSERT_EQUAL(parse_with("applicant", "date_of_birth",
	                    json_integer(1975), NOW, &p),
	    -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.date_of_birth");
	CU_ASSERT_STRING_EQUAL(p.fields[0].message, "expected a string");
	/* the password may not be the e-mail address */
	CU_ASSERT_EQUAL(parse_with("account", "password",
	                    json_string("ADA@example.org"), NOW, &p),
	    -1);
	CU_ASSERT(has_field(&p, "account.password"));
	/* a password of 128 multi-byte characters is fine, 129 is not */
	for (i = 0; i < 128; i++)
		memcpy(key + 2 * i, "\xc3\xa9", 2);
	key[256] = '\0';
	CU_ASSERT_EQUAL(
	    parse_with("account", "password", json_string(key), NOW, &p), 0);
	memcpy(key + 256, "\xc3\xa9", 3);
	CU_ASSERT_EQUAL(
	    parse_with("account", "password", json_string(key), NOW, &p), -1);
	/* an unknown key too long for the report is cut at a character */
	for (i = 0; i < 200; i++)
		memcpy(key + 2 * i, "\xc3\xa9", 2);
	key[400] = '\0';
	CU_ASSERT_EQUAL(parse_with("applicant", key, json_true(), NOW, &p), -1);
	CU_ASSERT_EQUAL(p.nfields, 1);
	CU_ASSERT_EQUAL(
	    strncmp(p.fields[0].field, "applicant.\xc3\xa9", 12), 0);
	CU_ASSERT(validate_utf8(p.fields[0].field, NULL));
	/* a control character in a key is not echoed */
	CU_ASSERT_EQUAL(
	    parse_with(NULL, "a\x1b[31m", json_true(), NOW, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "a?[31m");
	/* past BOUND_FIELD_ERRORS the rest is dropped, not overrun */
	j = load("many_unknown.json");
	CU_ASSERT_FATAL(j != NULL);
	{
		struct application_input in;

		CU_ASSERT_EQUAL(parse(j, IGC, NOW, &in, &p), -1);
		CU_ASSERT_EQUAL(p.nfields, BOUND_FIELD_ERRORS);
		application_input_free(&in);
	}
	json_decref(j);
	/* not an object at all */
	{
		struct application_input in;

		j = json_integer(7);
		CU_ASSERT_EQUAL(parse(j, IGC, NOW, &in, &p), -1);
		CU_ASSERT_EQUAL(p.status, 400);
		json_decref(j);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	seedcat_build(&cat);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("application", NULL, NULL);
	CU_add_test(s, "bodies from tests/data", test_files);
	CU_add_test(s, "values of valid bodies", test_valid_values);
	CU_add_test(s, "edges", test_edges);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
