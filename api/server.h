/*
 * rxca-server: the route table, the dispatch of each request to the loop
 * or a worker, the periodic jobs, and a graceful stop on SIGTERM/SIGINT.
 */
#ifndef RXCA_SERVER_H
#define RXCA_SERVER_H

#include <stddef.h>

#include "api/config.h"
#include "api/http/router.h"

/* Runs the server until a signal stops it.  Returns the exit status. */
int server_run(struct config *cfg);

/* The route table and its length into *n (for tests and fuzzing). */
const struct route *server_routes(size_t *n);

#endif
