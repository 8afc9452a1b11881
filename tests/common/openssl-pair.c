/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "openssl-pair.h"

void openssl_pair_open(struct openssl_pair *p, uint16_t suite, int tickets, int prepare)
{
	memset(p, 0, sizeof(*p));
	p->cctx = tls_peer_ctx(0, suite);
	p->sctx = tls_peer_ctx(1, suite);
	if (!p->cctx || !p->sctx)
		abort();
	SSL_CTX_clear_options(p->sctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(p->sctx, (size_t)tickets);
	if (prepare && (ktls_openssl_prepare(p->cctx) != 0 || ktls_openssl_prepare(p->sctx) != 0))
		abort();
	if (tcp_pair(&p->cfd, &p->sfd, 0) < 0 ||
	    tls_peer_handshake(p->cctx, p->sctx, p->cfd, p->sfd, &p->client, &p->server) < 0 ||
	    tls_peer_keys(p->client, suite, &p->client_keys) < 0)
		abort();
}

void openssl_pair_reconnect(struct openssl_pair *p)
{
	tls_peer_free(p->client);
	tls_peer_free(p->server);
	close(p->cfd);
	close(p->sfd);
	if (tcp_pair(&p->cfd, &p->sfd, 0) < 0 ||
	    tls_peer_handshake(p->cctx, p->sctx, p->cfd, p->sfd, &p->client, &p->server) < 0)
		abort();
}

void openssl_pair_close(struct openssl_pair *p)
{
	tls_peer_free(p->client);
	tls_peer_free(p->server);
	SSL_CTX_free(p->cctx);
	SSL_CTX_free(p->sctx);
	close(p->cfd);
	close(p->sfd);
	OPENSSL_cleanse(&p->client_keys, sizeof(p->client_keys));
}

int openssl_pair_exchange(SSL *from, SSL *to, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);
	int r = -1;

	if (out && in) {
		pattern_fill(len, 0, out, len);
		r = tls_peer_write_all(from, out, len) == 0 && tls_peer_read_all(to, in, len) == 0 &&
			    memcmp(in, out, len) == 0 ? 0 : -1;
	}
	free(out);
	free(in);
	return r;
}
