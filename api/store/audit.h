/*
 * The audit log: one row per state change that matters, written in the
 * same transaction as the change, each row hash-chained to the one before
 * so that an altered, inserted or removed row is detected by audit_verify.
 *
 * The hash of row n, as an outside auditor recomputes it:
 *
 *   hash(n) = SHA-256( prev || F(id) || F(at) || F(actor) || F(action)
 *                      || F(subject) || F(details) )
 *
 *   prev     the 32-byte hash of row n-1; for row 1, 32 zero bytes
 *   F(s)     the length of s in bytes as an 8-byte unsigned big-endian
 *            integer, then the bytes of s (UTF-8, no terminating NUL)
 *   id       decimal ASCII, no sign or leading zeros ("1", "2", ...)
 *   at       UTC, "YYYY-MM-DDTHH:MM:SSZ", e.g. "2026-11-22T04:49:39Z"
 *   actor, action, subject, details
 *            the columns' text exactly as stored; details is the JSON
 *            object serialised by jansson with JSON_COMPACT and
 *            JSON_SORT_KEYS ("{}" for none)
 *
 * Ids are 1, 2, 3, ... without gaps.  Vector: prev = 32 zero bytes, id 1,
 * at "2026-01-01T00:00:00Z", actor "system", action "ca.init", subject
 * "ca", details "{}" give
 *   a60be063c6522553f2f589030af1270743dd1f0dac9ecdedcf7778bd0dd933ec
 * The same in SQL, per row (server encoding UTF8):
 *   sha256(prev_hash || int8send(octet_length(id::text))
 *       || convert_to(id::text, 'UTF8') || ... || int8send(octet_length(
 *       details)) || convert_to(details, 'UTF8')), with at written as
 *   to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"').
 *
 * Removing the newest rows leaves a valid shorter chain: compare the head
 * (id and hash) with one recorded elsewhere to detect that.
 */
#ifndef RXCA_AUDIT_H
#define RXCA_AUDIT_H

#include <time.h>

#include <jansson.h>

#include "common/problem.h"

struct db;

/* PostgreSQL transaction advisory lock that serialises appends. */
#define AUDIT_LOCK_KEY 7358240002
/* Rows audit_verify reads per query. */
#define AUDIT_PAGE 1000

/*
 * Computes the hash of one row, as above, into out.  Pure.  Returns 0, or
 * -1 if an argument is NULL, id < 1, or the digest fails.
 */
int audit_hash(const unsigned char prev[32], long long id,
    const char *at_rfc3339, const char *actor, const char *action,
    const char *subject, const char *details_json, unsigned char out[32]);

/*
 * Appends a row (at, actor, action, subject, details) to the chain.  Must
 * run inside the caller's open transaction on db, which it joins: the row
 * is written when that transaction commits (db_defer), which takes
 * AUDIT_LOCK_KEY last and holds it only from there to COMMIT, so appends
 * are serialised without serialising the work before them, and a
 * rolled-back change (or one rolled back to a savepoint) leaves no row. details
 * is borrowed and may be NULL ("{}"); it should be a JSON object.  Returns 0,
 * or -1 with p set (500 if called outside a transaction).  Meant for READ
 * COMMITTED transactions: under REPEATABLE READ a concurrent append can
 * make this fail with 409 conflict.
 */
int audit_append(struct db *db, time_t at, const char *actor,
    const char *action, const char *subject, json_t *details,
    struct problem *p);

/*
 * Walks the chain in id order, AUDIT_PAGE rows a query, recomputing each
 * hash.  Sets *checked to the rows found intact.  Returns 0 if every row
 * is intact; 1 with *first_bad set to the id of the first row that is not
 * (a prev_hash that is not the previous row's hash, a hash that does not
 * recompute, or an id that does not follow the previous one); -1 with p
 * set on a database error.  Needs no transaction: rows are appended in id
 * order, so each page sees a prefix of the chain.
 */
int audit_verify(
    struct db *db, long long *checked, long long *first_bad, struct problem *p);

#endif
