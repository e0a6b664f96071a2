#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/signer.h"
#include "token/tokagent_flow.h"
#include "token/tokagent_http.h"
#include "token/tokagent_req.h"
#include "token/tokcmd_load.h"
#include "token/tokcmd_sign.h"
#include "token/tokcms.h"
#include "token/tokdev.h"
#include "token/tokpin.h"
#include "common/bounds.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define TOKAGENT_TIME_LEN 32 /* an RFC 3339 time */
#define TOKAGENT_HEX_LEN  (2 * EVP_MAX_MD_SIZE + 1)
#define TOKAGENT_DESC_MAX 700 /* a prompt's text */

_Static_assert(TOKAGENT_ORIGINS == TOKCMD_ORIGINS_MAX,
    "the agent's policy holds every --origin");

struct tokagent {
	const struct tokcmd_opts *o;         /* the command line */
	char label[P11_TOKEN_LABEL_MAX + 1]; /* the token */
	struct tokagent_policy pol;          /* what it accepts */
	int port;                            /* the port bound */
	struct event_base *base;             /* the loop */
	struct evhttp *http;                 /* the server */
	struct event *relock;                /* ends an unlock in real time */
	struct event *sigint, *sigterm;      /* stop the agent */
	struct p11 *held;                    /* logged in while unlocked */
	struct signer *held_signer;          /* its key */
	time_t held_until;                   /* its end by wallclock_now() */
	char key[P11_LABEL_MAX + 1];         /* the current key pair's label */
	X509 *cert;                          /* the certificate */
	STACK_OF(X509) * chain;              /* the CA certificates */
	unsigned long nsigned;               /* signatures made */
};

/* Sends status with body (stolen; may be NULL) and the CORS headers for
 * origin (NULL: none). */
static void
tokagent_reply(struct evhttp_request *req, const char *origin, int status,
    const char *ctype, json_t *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = NULL;
	char *text = NULL;

	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (origin != NULL) {
		evhttp_add_header(h, "Access-Control-Allow-Origin", origin);
		evhttp_add_header(h, "Vary", "Origin");
	}
	if (body != NULL) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL ||
		    (out = evbuffer_new()) == NULL)
			abort();
		evbuffer_add(out, text, strlen(text));
		evhttp_add_header(h, "Content-Type", ctype);
	}
	evhttp_send_reply(req, status, status == 204 ? "No Content" : "", out);
	if (out != NULL)
		evbuffer_free(out);
	free(text);
	json_decref(body);
}

/* An RFC 9457 problem. */
static void
tokagent_problem(
    struct evhttp_request *req, const char *origin, const struct problem *p)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:i, s:s}", "type", p->type, "title",
	    p->title, "status", p->status, "detail", p->detail);
	if (o == NULL)
		abort();
	if (p->nfields > 0)
		json_object_set_new(
		    o, "field", json_string(p->fields[0].field));
	tokagent_reply(req, origin, p->status, "application/problem+json", o);
}

/* Drops the held log-in. */
static void
tokagent_lock(struct tokagent *a)
{
	if (a->held == NULL)
		return;
	signer_free(a->held_signer);
	p11_close(a->held);
	a->held_signer = NULL;
	a->held = NULL;
	a->held_until = 0;
	if (a->relock != NULL)
		evtimer_del(a->relock);
	log_info("agent: token locked", NULL);
}

static void
tokagent_relock_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tokagent_lock(arg);
}

static void
tokagent_signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tokagent *a = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(a->base, NULL);
}

/* Loads the certificate and chain through a public session, unless
 * loaded: the agent starts before the retrieval, so it looks again while
 * the token has none. */
static int
tokagent_load(struct tokagent *a, struct problem *p)
{
	struct p11 *t;
	int initial, rc = -1;

	if (a->cert != NULL)
		return 0;
	sk_X509_pop_free(a->chain, X509_free);
	a->chain = NULL;
	if (tokdev_pick(a->o->module, a->o->token, a->label, p) == -1 ||
	    (t = p11_open(a->o->module, a->label, NULL, p)) == NULL)
		return -1;
	if ((initial = p11_data_exists(t, TOKDEV_MARKER, p)) == -1)
		goto out;
	if (initial) {
		tokdev_refuse_initial(p);
		goto out;
	}
	rc = tokcmd_load(t, a->key, &a->cert, &a->chain, p);
out:
	p11_close(t);
	return rc;
}

static void
tokagent_certificate(
    struct tokagent *a, struct evhttp_request *req, const char *origin)
{
	json_t *o, *chain;
	BIO *b;
	char *data;
	struct problem p;
	long n;
	int i;

	problem_clear(&p);
	if (tokagent_load(a, &p) == -1) {
		tokagent_problem(req, origin, &p);
		return;
	}
	if ((o = json_object()) == NULL || (chain = json_array()) == NULL)
		abort();
	for (i = -1; i < sk_X509_num(a->chain); i++) {
		if ((b = BIO_new(BIO_s_mem())) == NULL ||
		    PEM_write_bio_X509(
		        b, i < 0 ? a->cert : sk_X509_value(a->chain, i)) != 1)
			abort();
		n = BIO_get_mem_data(b, &data);
		if (i < 0)
			json_object_set_new(
			    o, "certificate", json_stringn(data, (size_t)n));
		else
			json_array_append_new(
			    chain, json_stringn(data, (size_t)n));
		BIO_free(b);
	}
	json_object_set_new(o, "chain", chain);
	json_object_set_new(o, "unlocked",
	    json_boolean(a->held != NULL && wallclock_now() < a->held_until));
	tokagent_reply(req, origin, 200, "application/json", o);
}

/* The passcode for r: typed at the pinentry (showing the origin and
 * why) when the agent has one, else the one in the body (NULL: 401). */
static int
tokagent_passcode(struct tokagent *a, const struct tokagent_req *r,
    const char *why, char *pin, size_t pinsz, struct problem *p)
{
	char desc[TOKAGENT_DESC_MAX];
	struct tokpin_prompt w = {TOKAGENT_PIN_TITLE, desc, "Passcode:"};

	if (a->o->pinentry != NULL) {
		snprintf(desc, sizeof(desc),
		    "%s asks to %s on token \"%s\".\n\nType the token "
		    "passcode.",
		    r->origin, why, a->label);
		return tokpin_getpin(a->o->pinentry, &w, pin, pinsz, p);
	}
	if (r->passcode == NULL)
		return problem_set(p, 401, "passcode-required",
		    "Passcode required",
		    "Give the token passcode, or unlock the agent first.");
	if (strlen(r->passcode) >= pinsz)
		return problem_field(
		    p, "passcode", "The passcode is too long.");
	memcpy(pin, r->passcode, strlen(r->passcode) + 1);
	return 0;
}

/* With a pinentry, the user's yes to this signature (origin, size and
 * digest shown); without one, yes. */
static int
tokagent_confirm(struct tokagent *a, const struct tokagent_req *r,
    const char *hex, struct problem *p)
{
	char desc[TOKAGENT_DESC_MAX];
	struct tokpin_prompt w = {TOKAGENT_PIN_TITLE, desc, NULL};

	if (a->o->pinentry == NULL)
		return 0;
	snprintf(desc, sizeof(desc),
	    "%s asks the token \"%s\" to sign %zu bytes (SHA-256 %.16s...) "
	    "with your certificate.\n\nSign it?",
	    r->origin, a->label, r->len, hex);
	return tokpin_confirm(a->o->pinentry, &w, p);
}

static void
tokagent_unlock(struct tokagent *a, struct evhttp_request *req,
    const struct tokagent_req *r)
{
	struct timeval tv = {0, 0};
	char when[TOKAGENT_TIME_LEN];
	struct problem p;
	struct tm tm;

	char pin[TOKPROMPT_MAX + 1];

	problem_clear(&p);
	tokagent_lock(a);
	pin[0] = '\0';
	if (tokagent_load(a, &p) == -1 ||
	    tokagent_passcode(
	        a, r, "keep the token unlocked", pin, sizeof(pin), &p) == -1 ||
	    (a->held = tokdev_open(a->o->module, a->label, pin, 0, &p)) ==
	        NULL ||
	    (a->held_signer = signer_from_p11(a->held, a->key, &p)) == NULL) {
		OPENSSL_cleanse(pin, sizeof(pin));
		tokagent_lock(a);
		p11_close(a->held);
		a->held = NULL;
		tokagent_problem(req, r->origin, &p);
		return;
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	a->held_until = wallclock_now() + a->o->unlock_seconds;
	tv.tv_sec = a->o->unlock_seconds;
	evtimer_add(a->relock, &tv);
	gmtime_r(&a->held_until, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_info("agent: token unlocked", "origin=%s seconds=%d", r->origin,
	    a->o->unlock_seconds);
	tokagent_reply(req, r->origin, 200, "application/json",
	    json_pack("{s:b, s:s}", "unlocked", 1, "until", when));
}

static void
tokagent_sign(struct tokagent *a, struct evhttp_request *req,
    const struct tokagent_req *r)
{
	const char *format = r->cms ? "cms" : "raw";
	unsigned char digest[EVP_MAX_MD_SIZE], *sig = NULL;
	char hex[TOKAGENT_HEX_LEN], *sig64 = NULL;
	struct signer *s = NULL, *own_s = NULL;
	struct p11 *own = NULL;
	unsigned int dlen = 0, i;
	size_t siglen = 0;
	struct problem p;

	char pin[TOKPROMPT_MAX + 1];

	problem_clear(&p);
	pin[0] = '\0';
	if (tokagent_load(a, &p) == -1)
		goto fail;
	if (EVP_Digest(r->data, r->len, digest, &dlen, EVP_sha256(), NULL) !=
	    1) {
		problem_internal(&p);
		goto fail;
	}
	for (i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (tokagent_confirm(a, r, hex, &p) == -1)
		goto fail;
	if (a->held != NULL && wallclock_now() >= a->held_until)
		tokagent_lock(a);
	if (a->held != NULL)
		s = a->held_signer;
	else {
		tokagent_lock(a);
		if (tokagent_passcode(a, r, "sign", pin, sizeof(pin), &p) ==
		        -1 ||
		    (own = tokdev_open(a->o->module, a->label, pin, 0, &p)) ==
		        NULL ||
		    (own_s = signer_from_p11(own, a->key, &p)) == NULL)
			goto fail;
		s = own_s;
	}
	if (EVP_Digest(r->data, r->len, digest, &dlen, signer_md(s), NULL) !=
	    1) {
		problem_internal(&p);
		goto fail;
	}
	if (r->cms) {
		if (tokcms_sign(s, a->cert, a->chain, digest, dlen,
		        wallclock_now(), &sig, &siglen, &p) == -1 ||
		    (a->o->tsa != NULL &&
		        tokcmd_timestamp(a->o, &sig, &siglen, &p) == -1))
			goto fail;
	} else if (signer_sign(s, r->data, r->len, &sig, &siglen, &p) == -1)
		goto fail;
	a->nsigned++;
	log_info("agent: signed",
	    "origin=%s format=%s bytes=%zu sha256=%s "
	    "count=%lu",
	    r->origin, format, r->len, hex, a->nsigned);
	sig64 = tokcmd_b64(sig, siglen);
	tokagent_reply(req, r->origin, 200, "application/json",
	    json_pack("{s:s, s:s}", "signature", sig64, "format", format));
	goto out;
fail:
	tokagent_problem(req, r->origin, &p);
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_free(sig);
	free(sig64);
	signer_free(own_s);
	p11_close(own);
}

/* The retrieval's steps (token/tokagent_flow.h).  A new certificate on
 * the token is loaded at the next signature. */
static void
tokagent_step(struct tokagent *a, struct evhttp_request *req,
    const struct tokagent_req *r)
{
	struct problem p;
	json_t *out = NULL;

	problem_clear(&p);
	if (r->op != TOKAGENT_STATUS)
		tokagent_lock(a);
	if (tokagent_flow(a->o, r, &out, &p) == -1) {
		tokagent_problem(req, r->origin, &p);
		return;
	}
	if (r->op == TOKAGENT_RETRIEVE || r->op == TOKAGENT_PASSCODE ||
	    r->op == TOKAGENT_RENEW) {
		X509_free(a->cert);
		a->cert = NULL;
	}
	tokagent_reply(req, r->origin, 200, "application/json", out);
}

static void
tokagent_cb(struct evhttp_request *req, void *arg)
{
	struct tokagent *a = arg;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *bin = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(bin);
	const unsigned char *body = NULL;
	const char *method;
	struct tokagent_in ti;
	struct tokagent_req r;
	struct problem p;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		method = "GET";
		break;
	case EVHTTP_REQ_POST:
		method = "POST";
		break;
	case EVHTTP_REQ_OPTIONS:
		method = "OPTIONS";
		break;
	default: /* not allowed by evhttp_set_allowed_methods() */
		method = "";
		break;
	}
	if (len > 0 && len <= a->pol.body_max)
		body = evbuffer_pullup(bin, (ssize_t)len);
	problem_clear(&p);
	memset(&ti, 0, sizeof(ti));
	ti.method = method;
	ti.path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	ti.host = evhttp_find_header(in, "Host");
	ti.origin = evhttp_find_header(in, "Origin");
	ti.content_type = evhttp_find_header(in, "Content-Type");
	ti.acr_method = evhttp_find_header(in, "Access-Control-Request-Method");
	ti.acr_private =
	    evhttp_find_header(in, "Access-Control-Request-Private-Network");
	ti.acr_local =
	    evhttp_find_header(in, "Access-Control-Request-Local-Network");
	ti.body = body;
	ti.len = len;
	ti.now = wallclock_now();
	if (tokagent_parse(&a->pol, &ti, &r, &p) == -1) {
		tokagent_problem(req, r.origin, &p);
		return;
	}
	switch (r.op) {
	case TOKAGENT_PREFLIGHT:
		evhttp_add_header(
		    out, "Access-Control-Allow-Methods", "GET, POST");
		evhttp_add_header(
		    out, "Access-Control-Allow-Headers", "Content-Type");
		evhttp_add_header(
		    out, "Access-Control-Max-Age", TOKAGENT_PREFLIGHT_AGE);
		/* Chrome's Private Network Access, and its successor's name
		 * (Local Network Access): a public page may reach this
		 * loopback agent once it says so. */
		if (r.private_network)
			evhttp_add_header(out,
			    "Access-Control-Allow-Private-Network", "true");
		if (r.local_network)
			evhttp_add_header(
			    out, "Access-Control-Allow-Local-Network", "true");
		tokagent_reply(req, r.origin, 204, NULL, NULL);
		break;
	case TOKAGENT_CERTIFICATE:
		tokagent_certificate(a, req, r.origin);
		break;
	case TOKAGENT_SIGN:
		tokagent_sign(a, req, &r);
		break;
	case TOKAGENT_UNLOCK:
		tokagent_unlock(a, req, &r);
		break;
	case TOKAGENT_LOCK:
		tokagent_lock(a);
		tokagent_reply(req, r.origin, 200, "application/json",
		    json_pack("{s:b}", "unlocked", 0));
		break;
	case TOKAGENT_STATUS:
	case TOKAGENT_PASSCODE:
	case TOKAGENT_KEYGEN:
	case TOKAGENT_RETRIEVE:
	case TOKAGENT_TEST:
	case TOKAGENT_RENEW:
		tokagent_step(a, req, &r);
		break;
	}
	tokagent_req_clear(&r); /* the passcode points into it */
}

int
tokagent_run(const struct tokcmd_opts *o)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct tokagent a;
	struct problem p;
	int rc = TOKCMD_FAIL;

	memset(&a, 0, sizeof(a));
	problem_clear(&p);
	a.o = o;
	log_set_level(LOG_LEVEL_INFO);
	signal(SIGPIPE, SIG_IGN); /* a pinentry that died: EPIPE, not death */
	if (o->norigins == 0) {
		fprintf(stderr,
		    "rxca-token: agent needs at least one "
		    "--origin (e.g. https://ehr.example.com)\n");
		return TOKCMD_USAGE;
	}
	if (tokagent_load(&a, &p) == -1) {
		/* not fatal: the page's retrieval puts it there */
		log_info("agent: no certificate to sign with yet", "reason=%s",
		    p.type);
		problem_clear(&p);
	}
	if ((a.base = event_base_new()) == NULL ||
	    (a.http = evhttp_new(a.base)) == NULL ||
	    (a.relock = evtimer_new(a.base, tokagent_relock_cb, &a)) == NULL ||
	    (a.sigint = evsignal_new(a.base, SIGINT, tokagent_signal_cb, &a)) ==
	        NULL ||
	    (a.sigterm = evsignal_new(
	         a.base, SIGTERM, tokagent_signal_cb, &a)) == NULL)
		abort();
	evhttp_set_max_body_size(a.http, (ev_ssize_t)o->body_max);
	evhttp_set_max_headers_size(a.http, TOKAGENT_HEADERS_MAX);
	evhttp_set_timeout(a.http, TOKAGENT_TIMEOUT_SEC);
	evhttp_set_allowed_methods(
	    a.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(a.http, tokagent_cb, &a);
	if ((bound = evhttp_bind_socket_with_handle(
	         a.http, "127.0.0.1", (ev_uint16_t)o->port)) == NULL) {
		fprintf(stderr, "rxca-token: cannot listen on 127.0.0.1:%d\n",
		    o->port);
		goto out;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	        (struct sockaddr *)&ss, &sslen) == -1 ||
	    ss.ss_family != AF_INET)
		goto out;
	a.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (evhttp_bind_socket(a.http, "::1", (ev_uint16_t)a.port) != 0)
		log_warn("agent: not listening on ::1", "port=%d", a.port);
	snprintf(a.pol.hosts[0], TOKAGENT_HOST_MAX, "127.0.0.1:%d", a.port);
	snprintf(a.pol.hosts[1], TOKAGENT_HOST_MAX, "localhost:%d", a.port);
	snprintf(a.pol.hosts[2], TOKAGENT_HOST_MAX, "[::1]:%d", a.port);
	a.pol.origins = o->origins;
	a.pol.norigins = o->norigins;
	a.pol.body_max = o->body_max;
	a.pol.unlock_seconds = o->unlock_seconds;
	a.pol.pinentry = o->pinentry != NULL;
	evsignal_add(a.sigint, NULL);
	evsignal_add(a.sigterm, NULL);
	printf("listening on http://127.0.0.1:%d\n", a.port);
	fflush(stdout);
	log_info("agent: listening", "port=%d origins=%zu unlock_seconds=%d",
	    a.port, o->norigins, o->unlock_seconds);
	event_base_dispatch(a.base);
	log_info("agent: stopped", "signed=%lu", a.nsigned);
	rc = TOKCMD_OK;
out:
	tokagent_lock(&a);
	if (a.http != NULL)
		evhttp_free(a.http);
	if (a.relock != NULL)
		event_free(a.relock);
	if (a.sigint != NULL)
		event_free(a.sigint);
	if (a.sigterm != NULL)
		event_free(a.sigterm);
	if (a.base != NULL)
		event_base_free(a.base);
	X509_free(a.cert);
	sk_X509_pop_free(a.chain, X509_free);
	return rc;
}
