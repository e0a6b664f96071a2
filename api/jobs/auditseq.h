/*
 * The audit sequencer's loop: every RXCA_AUDIT_SEQUENCE_INTERVAL_MS the
 * node hands a run of audit_sequence (api/store/audit.h) to a worker,
 * which sequences batches of committed audit records until none is left,
 * or until another node holds the sequencer's lock (that node sequences
 * them; this one tries again next time).  Every node runs one: whichever
 * takes the lock is the sequencer for that run, so a node that crashes
 * leaves the work to the others, and the next run of any node picks up
 * what it left; a node that stops cleanly makes a last run of its own
 * (auditseq_last).
 */
#ifndef RXCA_AUDITSEQ_H
#define RXCA_AUDITSEQ_H

#include <stdatomic.h>

struct auditseq;
struct config;
struct event_base;
struct pool;

/* Starts the loop on base, handing runs to pool; a run claims nothing
 * once *stopping is set.  Caller frees with auditseq_free(). */
struct auditseq *auditseq_new(struct event_base *base, struct pool *pool,
    const struct config *cfg, atomic_int *stopping);
/* Schedules no new run; a run in flight finishes.  NULL-safe. */
void auditseq_stop(struct auditseq *s);
/* NULL-safe; stops first. */
void auditseq_free(struct auditseq *s);
/*
 * One last run on a connection of its own to database_url, for a clean
 * stop once no work of this node is left to commit: what the node wrote
 * during its drain is not left pending (another node's run may still
 * take it; that node holds the lock then).  0, or -1 logged.
 */
int auditseq_last(const char *database_url);

#endif
