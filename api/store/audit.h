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
 *
 * Records are written in two steps, as Certificate Transparency logs do.
 * audit_append writes the row in the transaction of the change, pending
 * (id, prev_hash and hash NULL; entry, the row's key, in the order
 * written), taking no lock: a committed change never lacks its record,
 * and audited transactions never wait for each other.  audit_sequence,
 * which every rxca-server node runs on a timer (api/jobs/auditseq.h),
 * then gives the committed pending rows their ids and hashes, in entry
 * order, a batch per transaction, under AUDIT_LOCK_KEY: one sequencer at
 * a time across nodes, and the unique index on id refuses a second row at
 * any position, so the chain cannot fork.  Each batch commits whole, so a
 * reader walking ids upwards (audit_verify, GET /v1/ops/audit) sees a
 * prefix of the chain and never finds a record appear behind its cursor.
 */
#ifndef RXCA_AUDIT_H
#define RXCA_AUDIT_H

#include <time.h>

#include <jansson.h>

#include "common/problem.h"

struct db;

/* PostgreSQL transaction advisory lock that one sequencer holds. */
#define AUDIT_LOCK_KEY 7358240002
/* Pending records that audit_sequence hashes per transaction, at most. */
#define AUDIT_SEQUENCE_MAX 1000
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
 * Appends a row (at, actor, action, subject, details) to the log, pending.
 * Must run inside the caller's open transaction on db, which it joins: the
 * row is written when that transaction commits (db_defer), with no lock,
 * and a rolled-back change (or one rolled back to a savepoint) leaves no
 * row.  details is borrowed and may be NULL ("{}"); it should be a JSON
 * object.  Returns 0, or -1 with p set (500 if called outside a
 * transaction).
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
 * set on a database error.  Pending rows are not part of the chain yet
 * (audit_pending counts them).  Needs no transaction: ids are given in
 * order, a batch per transaction, so each page sees a prefix of the chain.
 */
int audit_verify(
    struct db *db, long long *checked, long long *first_bad, struct problem *p);

/*
 * The sequencer: in a transaction of its own on db (none may be open),
 * takes AUDIT_LOCK_KEY (waits for it if wait, else gives up at once when
 * another holds it), and gives up to max (at most AUDIT_SEQUENCE_MAX)
 * committed pending rows, oldest entry first, the next ids and their
 * hashes after the head.  Sets *sequenced to the rows sequenced (0 when
 * none was pending or the lock was taken).  0, or -1 with p set (then
 * nothing of the batch is kept).
 */
int audit_sequence(
    struct db *db, int max, int wait, long long *sequenced, struct problem *p);

/* audit_sequence, waiting for the lock, until no committed row is
 * pending: what a reader calls who wants every record committed before
 * it in the chain.  *sequenced as audit_sequence's, summed.  0 or -1. */
int audit_sequence_all(struct db *db, long long *sequenced, struct problem *p);

/* The rows written but not yet sequenced (committed, as db sees them)
 * into *pending.  0, or -1 with p set. */
int audit_pending(struct db *db, long long *pending, struct problem *p);

/*
 * The keyed hash an audit record keeps of a value it must not show (a
 * searched e-mail, NPI, DEA number or name; a voucher code): HMAC-SHA256
 * with the key 'audit-hash' of server_secrets (migration 0038) over
 * value, as lower-case hex into out.  0, or -1 with p set.
 */
int audit_keyed_hash(
    struct db *db, const char *value, char out[65], struct problem *p);

#endif
