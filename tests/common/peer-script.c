/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>

#include "net.h"
#include "peer-script.h"

static void *run_script(void *arg)
{
	struct peer_job *j = arg;
	uint8_t *buf = malloc(1 << 20);
	size_t max = 1 << 20;

	j->ok = buf != NULL;
	j->failed_at = -1;
	for (int i = 0; j->ok && j->steps[i].kind != STEP_END; i++) {
		const struct step *s = &j->steps[i];
		size_t n, len = s->len < max ? s->len : max;
		char c;
		switch (s->kind) {
		case SEND_DATA:
			pattern_fill(j->seed_out, j->out_off, buf, len);
			j->ok = tls_peer_write_all(j->ssl, buf, len) == 0;
			j->out_off += len;
			break;
		case SEND_TICKET:
			j->ok = SSL_new_session_ticket(j->ssl) == 1 && SSL_do_handshake(j->ssl) == 1;
			break;
		case KEY_UPDATE:
			j->ok = SSL_key_update(j->ssl, s->len ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED) == 1;
			break;
		case SHUTDOWN:
			j->ok = SSL_shutdown(j->ssl) >= 0;
			break;
		case EXPECT_DATA:
			j->ok = tls_peer_read_all(j->ssl, buf, len) == 0 &&
				pattern_check(j->seed_in, j->in_off, buf, len) == len;
			j->in_off += len;
			break;
		case EXPECT_CLOSE:
			/* The close_notify itself: OpenSSL 3.6 (seen with 3.6.5) reports a TLS 1.3 close_notify
			 * that follows a user_canceled as SSL_ERROR_SYSCALL (SSL_get_error looks at the
			 * last warning alert, which TLS 1.3's close_notify no longer sets). */
			j->ok = SSL_read_ex(j->ssl, &c, 1, &n) == 0 &&
				(SSL_get_shutdown(j->ssl) & SSL_RECEIVED_SHUTDOWN);
			break;
		case EXPECT_FAILURE:
			j->ok = SSL_read_ex(j->ssl, &c, 1, &n) == 0 && SSL_get_error(j->ssl, 0) == SSL_ERROR_SSL;
			break;
		case RENEGOTIATE:
			j->ok = SSL_renegotiate(j->ssl) == 1 && SSL_do_handshake(j->ssl) == 1;
			break;
		case STEP_END:
			break;
		}
		if (!j->ok)
			j->failed_at = i;
		if (!j->ok || s->kind == EXPECT_FAILURE) {
			int e = errno;
			snprintf(j->why, sizeof(j->why), "SSL_get_error %d, %s, errno %s", SSL_get_error(j->ssl, 0),
				 ERR_peek_error() ? ERR_reason_error_string(ERR_peek_error()) : "no OpenSSL error",
				 strerror(e));
		}
	}
	free(buf);
	return NULL;
}

void handoff_open(struct handoff *h, uint16_t suite, int tickets)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	SSL *mine = NULL;

	memset(h, 0, sizeof(*h));
	h->fd = h->peer_fd = -1;
	if (ktls_suite_info(suite, &si) < 0)
		abort();
	h->suite = suite;
	h->version = si.tls_version;
	h->cctx = tls_peer_ctx(0, suite);
	h->sctx = tls_peer_ctx(1, suite);
	if (!h->cctx || !h->sctx)
		abort();
	SSL_CTX_clear_options(h->sctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(h->sctx, (size_t)tickets);
	if (tcp_pair(&h->fd, &h->peer_fd, 0) < 0 ||
	    tls_peer_handshake(h->cctx, h->sctx, h->fd, h->peer_fd, &mine, &h->peer) < 0 ||
	    tls_peer_keys(mine, suite, &h->keys) < 0)
		abort();
	tls_peer_free(mine); /* no close_notify: the kernel owns the records from here */
}

void handoff_start(struct handoff *h, const struct step *script)
{
	h->job = (struct peer_job){ .ssl = h->peer, .steps = script, .seed_out = h->suite + 100u,
				    .seed_in = h->suite + 200u };
	if (pthread_create(&h->job.thread, NULL, run_script, &h->job) != 0)
		abort();
}

int handoff_close(struct handoff *h)
{
	pthread_join(h->job.thread, NULL);
	OPENSSL_cleanse(&h->keys, sizeof(h->keys));
	tls_peer_free(h->peer);
	SSL_CTX_free(h->cctx);
	SSL_CTX_free(h->sctx);
	close(h->fd);
	close(h->peer_fd);
	return h->job.ok ? 0 : h->job.failed_at + 1;
}
