/*
 * What each operator role sees of an application: ONE table
 * (ops_view_table in api/service/ops_view.c; the same table is in
 * api/openapi.yaml, "OpsApplication", and docs/operations.md), used by the
 * search and the application view (api/routes/h_ops_search.c).  An
 * operator with several roles sees each field as the most open of them.
 * SSN digits are never shown to anyone.
 *
 * And what an operator's search query is: ops_search_classify tells an
 * application id, kit id, serial, e-mail, NPI, DEA number or name apart
 * from the text alone, before any SQL.
 */
#ifndef RXCA_OPS_VIEW_H
#define RXCA_OPS_VIEW_H

#include <stddef.h>

#include <jansson.h>

#include "api/store/store_search.h"

/*
 * The roles, as the OPERATOR_ROLE_* bits of api/routes/operator.h: bit i
 * is column i of the table (the routes assert that they agree).
 */
#define OPS_VIEW_REVIEWER  0x01u
#define OPS_VIEW_FULFILLER 0x02u
#define OPS_VIEW_REVOKER   0x04u
#define OPS_VIEW_AUDITOR   0x08u
#define OPS_VIEW_ADMIN     0x10u
#define OPS_VIEW_ROLES     5

/* The fields and sections a role may be shown. */
enum ops_field {
	OPS_F_NAME,            /* given, middle and family name */
	OPS_F_EMAIL,           /* e-mail address */
	OPS_F_PHONE,           /* phone number */
	OPS_F_BIRTH,           /* date of birth */
	OPS_F_ADDRESS,         /* the home address (lines, city, postcode) */
	OPS_F_REGION,          /* the home address's state and country */
	OPS_F_NPI,             /* National Provider Identifier */
	OPS_F_DEA,             /* DEA registration number */
	OPS_F_SSN,             /* SSN digits: never */
	OPS_F_CERTIFICATES,    /* serials, status, validity */
	OPS_F_KITS,            /* state, prints, carrier, tracking */
	OPS_F_PAYMENTS,        /* payment and its events */
	OPS_F_IDENTITY_CHECKS, /* the providers' answers */
	OPS_F_TIMELINE,        /* the application's status changes */
	OPS_F_AUDIT,           /* the audit records of the application */
	OPS_F_DUPLICATES,      /* other applications of the same person */
	OPS_F_COUNT
};

/* How a field is shown. */
enum ops_show {
	OPS_HIDE, /* left out */
	OPS_MASK, /* all but the last 4 characters replaced by '*' */
	OPS_SHOW  /* as stored */
};

/* How an operator with roles (OPS_VIEW_* bits) sees field f. */
enum ops_show ops_view_show(unsigned roles, enum ops_field f);

/* The JSON name of field f, as in the documented table. */
const char *ops_view_field_name(enum ops_field f);

/*
 * The application row as an operator with roles sees it: id, status,
 * policy, product, program, created_at, updated_at, "applicant" with the
 * fields the table allows (masked or left out), and the certificates and
 * kits if allowed.  A new reference.
 */
json_t *ops_view_application(unsigned roles, const struct store_search_row *a);

/* Longest query accepted, in bytes. */
#define OPS_SEARCH_Q_MAX 128

/*
 * What q is, with its normalised key (what the column holds: lower-cased
 * e-mail, 32 lower-case hex digits of a serial without colons, upper-case
 * DEA number, lower-case name with single spaces) into key (keysz bytes,
 * at least OPS_SEARCH_Q_MAX + 1).  Work bounded by OPS_SEARCH_Q_MAX.
 * 0, or -1 if q is none of them (or too long).
 */
int ops_search_classify(
    const char *q, enum store_search_kind *kind, char *key, size_t keysz);

/* The kind's name: application, kit, serial, email, npi, dea_number,
 * name. */
const char *ops_search_kind_name(enum store_search_kind kind);

/* 1 if the kind's key is personal data (kept hashed in the audit log). */
int ops_search_kind_personal(enum store_search_kind kind);

#endif
