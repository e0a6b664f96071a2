#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/store/migrate.h"
#include "api/store/db.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define MIGRATE_STR2(x) #x
#define MIGRATE_STR(x)  MIGRATE_STR2(x)

/* The .sql files of a folder, sorted by name (byte order). */
struct migrate_files {
	char **name; /* file names, owned */
	size_t n;    /* entries used */
};

/* The first line of in, without control characters; for a logfmt value
 * (forlog) also without quotes or backslashes. */
static void
migrate_clean(const char *in, int forlog, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; i + 1 < outsz && in[i] != '\0' && in[i] != '\n'; i++) {
		if (forlog && (in[i] == '"' || in[i] == '\\'))
			out[i] = '\'';
		else if ((unsigned char)in[i] < 0x20)
			out[i] = ' ';
		else
			out[i] = in[i];
	}
	out[i] = '\0';
}

/* The line of sql holding character pos (1-based, as PostgreSQL counts
 * them in UTF-8), or 0 if pos is not in sql. */
static int
migrate_line(const char *sql, const char *pos)
{
	const char *s;
	long want, chars = 0;
	int line = 1;
	char *end;

	if (pos == NULL)
		return 0;
	want = strtol(pos, &end, 10);
	if (end == pos || *end != '\0' || want < 1)
		return 0;
	for (s = sql; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && ++chars == want)
			return line;
		if (*s == '\n')
			line++;
	}
	return 0;
}

/*
 * Reports a failed statement: r (cleared here) or, without one, conn's
 * message.  what is the file name, or "schema_migrations" for our own
 * statements; sql, if not NULL, turns PostgreSQL's position into a line.
 */
static int
migrate_pgfail(PGconn *conn, PGresult *r, const char *what, const char *sql,
    struct problem *p)
{
	const char *msg = NULL, *state = NULL;
	char clean[200], shown[200];
	int line = 0;

	if (r != NULL) {
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (sql != NULL)
			line = migrate_line(sql,
			    PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION));
	}
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	migrate_clean(msg, 1, clean, sizeof(clean));
	migrate_clean(msg, 0, shown, sizeof(shown));
	log_error("migration failed", "file=%s sqlstate=%s error=\"%s\"", what,
	    state != NULL ? state : "", clean);
	if (line > 0)
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s, line %d: %s", what, line, shown);
	else
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s: %s", what, shown);
	PQclear(r);
	return -1;
}

/* Checks (and clears) the result r of one of our own statements. */
static int
migrate_check(PGconn *conn, PGresult *r, struct problem *p)
{
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		return migrate_pgfail(conn, r, "schema_migrations", NULL, p);
	PQclear(r);
	return 0;
}

static void
migrate_rollback(PGconn *conn)
{
	if (PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}

static int
migrate_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
migrate_files_free(struct migrate_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->name[i]);
	free(f->name);
	f->name = NULL;
	f->n = 0;
}

/* Lists the .sql files of dir (regular, not hidden) into f, sorted. */
static int
migrate_list(const char *dir, struct migrate_files *f, struct problem *p)
{
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	char *path = NULL;
	size_t len, cap = 0;
	int rc = -1;

	if ((d = opendir(dir)) == NULL) {
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "cannot open migrations folder %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 ||
		    strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (len > MIGRATE_MAX_NAME) {
			problem_set(p, 500, "migration-failed",
			    "Migration failed", "file name too long in %s",
			    dir);
			goto out;
		}
		free(path);
		path = xprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (f->n == MIGRATE_MAX_FILES) {
			problem_set(p, 500, "migration-failed",
			    "Migration failed", "more than %d .sql files in %s",
			    MIGRATE_MAX_FILES, dir);
			goto out;
		}
		if (f->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			f->name = xrealloc(f->name, cap * sizeof(*f->name));
		}
		f->name[f->n++] = xstrdup(de->d_name);
	}
	if (f->n > 0)
		qsort(f->name, f->n, sizeof(*f->name), migrate_cmp);
	rc = 0;
out:
	free(path);
	if (d != NULL)
		closedir(d);
	return rc;
}

/* Reads dir/name whole into *buf (NUL-terminated, caller frees). */
static int
migrate_read(const char *dir, const char *name, char **buf, size_t *len,
    struct problem *p)
{
	struct stat st;
	char *path, *b = NULL;
	size_t n = 0;
	ssize_t got;
	int fd = -1, rc = -1;

	path = xprintf("%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s: cannot read: %s", name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MIGRATE_MAX_FILE) {
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s: not a regular file of at most %d bytes", name,
		    MIGRATE_MAX_FILE);
		goto out;
	}
	b = xmalloc(MIGRATE_MAX_FILE + 2);
	for (;;) {
		got = read(fd, b + n, MIGRATE_MAX_FILE + 1 - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			problem_set(p, 500, "migration-failed",
			    "Migration failed", "%s: cannot read: %s", name,
			    strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > MIGRATE_MAX_FILE) {
			problem_set(p, 500, "migration-failed",
			    "Migration failed", "%s: larger than %d bytes",
			    name, MIGRATE_MAX_FILE);
			goto out;
		}
	}
	if (memchr(b, '\0', n) != NULL) {
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s: holds a NUL byte", name);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(b);
	free(path);
	return rc;
}

/* Row of recorded (ordered by version in byte order) holding version, or
 * -1. */
static int
migrate_find(const PGresult *recorded, const char *version)
{
	int lo = 0, hi = PQntuples(recorded) - 1, mid, c;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(version, db_text(recorded, mid, "version"));
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Drains the results of the file's SQL; returns the first error (caller
 * clears) or NULL. */
static PGresult *
migrate_drain(PGconn *conn)
{
	PGresult *r, *err = NULL;
	char *row;
	int n;

	while ((r = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_COPY_IN:
			(void)PQputCopyEnd(conn,
			    "COPY FROM STDIN is not supported in a migration");
			break;
		case PGRES_COPY_OUT:
			while ((n = PQgetCopyData(conn, &row, 0)) > 0)
				PQfreemem(row);
			break;
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:
			break;
		default:
			if (err == NULL) {
				err = r;
				r = NULL;
			}
			break;
		}
		PQclear(r);
		if (PQstatus(conn) != CONNECTION_OK)
			break;
	}
	return err;
}

/* Applies one file and its record in one transaction. */
static int
migrate_apply(PGconn *conn, const char *name, const char *version,
    const char *sql, const char *checksum, struct problem *p)
{
	PGresult *r = NULL;
	const char *vals[3];
	char at[WALLCLOCK_RFC3339_LEN];
	int rc = -1;

	r = PQexec(conn, "BEGIN");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		migrate_pgfail(conn, r, name, NULL, p);
		r = NULL;
		goto out;
	}
	PQclear(r);
	r = NULL;
	if (PQsendQuery(conn, sql) == 0) {
		migrate_pgfail(conn, NULL, name, NULL, p);
		goto out;
	}
	if ((r = migrate_drain(conn)) != NULL) {
		migrate_pgfail(conn, r, name, sql, p);
		r = NULL;
		goto out;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		migrate_pgfail(conn, NULL, name, NULL, p);
		goto out;
	}
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		log_error(
		    "migration ended its own transaction", "file=%s", name);
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "%s: must not contain COMMIT or ROLLBACK (its changes may "
		    "be committed without a record; check the schema)",
		    name);
		goto out;
	}

	wallclock_format(wallclock_now(), at, sizeof(at));
	vals[0] = version;
	vals[1] = checksum;
	vals[2] = at;
	r = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version, checksum, applied_at) "
	    "VALUES ($1, $2, $3)",
	    3, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		migrate_pgfail(conn, r, name, NULL, p);
		r = NULL;
		goto out;
	}
	PQclear(r);
	r = PQexec(conn, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		migrate_pgfail(conn, r, name, NULL, p);
		r = NULL;
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	if (rc == -1)
		migrate_rollback(conn);
	return rc;
}

int
migrate_run(PGconn *conn, const char *dir, FILE *out, struct problem *p)
{
	struct migrate_files files = {NULL, 0};
	PGresult *r, *recorded = NULL;
	char version[MIGRATE_MAX_NAME + 1], sum[DIGEST_HEX_LEN];
	const char *last = NULL;
	char *sql = NULL, *key;
	size_t i, len;
	int row, j, locked = 0, missing, applied = 0, rc = -1;

	if (PQstatus(conn) != CONNECTION_OK) {
		migrate_pgfail(conn, NULL, "schema_migrations", NULL, p);
		goto out;
	}
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		problem_set(p, 500, "migration-failed", "Migration failed",
		    "the connection is inside a transaction");
		goto out;
	}
	if (migrate_list(dir, &files, p) == -1)
		goto out;

	r = PQexec(
	    conn, "SELECT pg_advisory_lock(" MIGRATE_STR(MIGRATE_LOCK_KEY) ")");
	if (migrate_check(conn, r, p) == -1)
		goto out;
	locked = 1;
	r = PQexec(
	    conn, "SELECT to_regclass('schema_migrations') IS NULL AS missing");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		migrate_pgfail(conn, r, "schema_migrations", NULL, p);
		goto out;
	}
	missing = db_bool(r, 0, "missing");
	PQclear(r);
	if (missing) {
		r = PQexec(conn,
		    "CREATE TABLE schema_migrations ("
		    "version text PRIMARY KEY, checksum text NOT NULL, "
		    "applied_at timestamptz NOT NULL)");
		if (migrate_check(conn, r, p) == -1)
			goto out;
	}

	recorded = PQexec(conn,
	    "SELECT version, checksum FROM "
	    "schema_migrations ORDER BY version COLLATE \"C\"");
	if (PQresultStatus(recorded) != PGRES_TUPLES_OK) {
		migrate_pgfail(conn, recorded, "schema_migrations", NULL, p);
		recorded = NULL;
		goto out;
	}
	if (PQntuples(recorded) > 0)
		last = db_text(recorded, PQntuples(recorded) - 1, "version");
	for (j = 0; j < PQntuples(recorded); j++) {
		snprintf(version, sizeof(version), "%s.sql",
		    db_text(recorded, j, "version"));
		key = version;
		if (bsearch(&key, files.name, files.n, sizeof(*files.name),
		        migrate_cmp) == NULL)
			log_warn("applied migration has no file", "version=%s",
			    db_text(recorded, j, "version"));
	}

	for (i = 0; i < files.n; i++) {
		len = strlen(files.name[i]) - 4;
		memcpy(version, files.name[i], len);
		version[len] = '\0';
		free(sql);
		sql = NULL;
		if (migrate_read(dir, files.name[i], &sql, &len, p) == -1)
			goto out;
		digest_sha256_hex(sql, len, sum);
		if ((row = migrate_find(recorded, version)) != -1) {
			if (strcmp(sum, db_text(recorded, row, "checksum")) ==
			    0)
				continue;
			log_error("applied migration was changed",
			    "file=%s checksum=%s recorded=%s", files.name[i],
			    sum, db_text(recorded, row, "checksum"));
			problem_set(p, 409, "migration-changed",
			    "Migration changed",
			    "%s was changed after it was applied (SHA-256 %.16s"
			    "..., recorded %.16s...); restore it and put the "
			    "change in a new migration",
			    files.name[i], sum,
			    db_text(recorded, row, "checksum"));
			goto out;
		}
		if (last != NULL && strcmp(version, last) < 0) {
			problem_set(p, 409, "migration-order",
			    "Migration out of order",
			    "%s is not applied but sorts before %s, which is; "
			    "rename it to sort last",
			    files.name[i], last);
			goto out;
		}
		if (migrate_apply(conn, files.name[i], version, sql, sum, p) ==
		    -1)
			goto out;
		log_info("migration applied", "version=%s checksum=%s", version,
		    sum);
		fprintf(out, "applied %s\n", version);
		applied++;
	}
	if (applied == 0)
		fprintf(out, "up to date\n");
	rc = 0;
out:
	PQclear(recorded);
	if (locked && PQstatus(conn) == CONNECTION_OK) {
		migrate_rollback(conn);
		r = PQexec(conn,
		    "SELECT pg_advisory_unlock(" MIGRATE_STR(
		        MIGRATE_LOCK_KEY) ")");
		PQclear(r);
	}
	free(sql);
	migrate_files_free(&files);
	return rc;
}
