/*
 * Schema migrations: the files dir/NNNN_name.sql, applied in name order,
 * each once, each in its own transaction, recorded with the SHA-256 of its
 * bytes in schema_migrations(version, checksum, applied_at).  An applied
 * migration is never edited: a file whose bytes no longer match its record
 * stops the run.
 */
#ifndef RXCA_MIGRATE_H
#define RXCA_MIGRATE_H

#include <stdio.h>

#include <libpq-fe.h>

#include "common/problem.h"

#define MIGRATE_MAX_FILE  (1024 * 1024) /* bytes of one .sql file */
#define MIGRATE_MAX_FILES 10000         /* .sql files in dir */
#define MIGRATE_MAX_NAME  200           /* bytes of one file name */

/*
 * PostgreSQL session advisory lock held for the whole run, so two
 * migrators (say two nodes starting at once) take turns.
 */
#define MIGRATE_LOCK_KEY 7358240001

/*
 * Brings the database on conn up to date with the *.sql files in dir
 * (other names are ignored; the version is the file name without .sql).
 * Creates schema_migrations if missing.  Waits for the advisory lock if
 * another migrator holds it.  Each pending file runs as trusted
 * multi-statement SQL inside BEGIN ... COMMIT together with its record;
 * on any error that transaction is rolled back and the run stops.
 *
 * Refuses, changing nothing: a recorded file whose checksum differs, a
 * pending file that sorts before one already applied, a file larger than
 * MIGRATE_MAX_FILE or holding a NUL byte.  A recorded version with no file
 * is logged as a warning.
 *
 * Writes "applied <version>" per file applied, or "up to date", to out.
 * Returns 0, or -1 with p naming the file and PostgreSQL's message.  conn
 * must be idle (not in a transaction); it is left idle and unlocked.
 * Notices a migration raises go to conn's notice processor.
 */
int migrate_run(PGconn *conn, const char *dir, FILE *out, struct problem *p);

#endif
