/* SPDX-License-Identifier: MIT */
/* TLS 1.3 traffic secrets of prepared sessions, from their keylog function. GnuTLS has no
 * per-session slot for a library, so they live in a list keyed by the session, under a lock. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ktls-gnutls-internal.h"

struct entry {
	struct entry *next;
	gnutls_session_t session;
	gnutls_keylog_func previous;
	struct gtls_secrets s;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

static void wipe(void *p, size_t len)
{
	gnutls_memset(p, 0, len);
}

static struct entry **find(gnutls_session_t session)
{
	struct entry **e = &entries;

	while (*e && (*e)->session != session)
		e = &(*e)->next;
	return e;
}

static int keylog(gnutls_session_t session, const char *label, const gnutls_datum_t *secret)
{
	gnutls_keylog_func previous = NULL;
	gnutls_datum_t client_random, server_random;
	int side = -1;

	if (strcmp(label, "CLIENT_TRAFFIC_SECRET_0") == 0)
		side = 0;
	else if (strcmp(label, "SERVER_TRAFFIC_SECRET_0") == 0)
		side = 1;
	pthread_mutex_lock(&lock);
	struct entry *e = *find(session);
	if (e) {
		previous = e->previous;
		if (side >= 0 && secret->size <= KTLS_SECRET_MAX) {
			memcpy(e->s.secret[side], secret->data, secret->size);
			e->s.secret_len[side] = secret->size;
			gnutls_session_get_random(session, &client_random, &server_random);
			if (client_random.size == sizeof(e->s.client_random))
				memcpy(e->s.client_random, client_random.data, client_random.size);
		}
	}
	pthread_mutex_unlock(&lock);
	return previous ? previous(session, label, secret) : 0;
}

LIBKTLS_API int ktls_gnutls_prepare(gnutls_session_t session)
{
	gnutls_keylog_func current;
	struct entry *e;

	if (!session)
		return -EFAULT;
	current = gnutls_session_get_keylog_function(session);
	pthread_mutex_lock(&lock);
	e = *find(session);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&lock);
			return -ENOMEM;
		}
		e->session = session;
		e->next = entries;
		entries = e;
	} else {
		wipe(&e->s, sizeof(e->s)); /* a session prepared again starts afresh */
	}
	if (current != keylog)
		e->previous = current;
	pthread_mutex_unlock(&lock);
	gnutls_session_set_keylog_function(session, keylog);
	return 0;
}

int gtls_secrets_get(gnutls_session_t session, struct gtls_secrets *out, int take)
{
	gnutls_datum_t client_random, server_random;
	int r = -ENODATA;

	gnutls_session_get_random(session, &client_random, &server_random);
	pthread_mutex_lock(&lock);
	struct entry **link = find(session), *e = *link;
	if (e && e->s.secret_len[0] && e->s.secret_len[0] == e->s.secret_len[1] &&
	    client_random.size == sizeof(e->s.client_random) &&
	    memcmp(client_random.data, e->s.client_random, client_random.size) == 0) {
		*out = e->s;
		r = 0;
	}
	if (e && take) {
		*link = e->next;
		wipe(e, sizeof(*e));
		free(e);
	}
	pthread_mutex_unlock(&lock);
	return r;
}

LIBKTLS_API void ktls_gnutls_discard(gnutls_session_t session)
{
	struct gtls_secrets s;

	if (!session)
		return;
	(void)gtls_secrets_get(session, &s, 1);
	wipe(&s, sizeof(s));
}
