/* SPDX-License-Identifier: MIT */
/* An OpenSSL peer in a thread, running a script of steps on its side of a handed-off connection. */
#ifndef KTLS_TEST_PEER_SCRIPT_H
#define KTLS_TEST_PEER_SCRIPT_H

#include <pthread.h>
#include <stdint.h>

#include "tls-peer.h"

enum step_kind {
	SEND_DATA,      /* len bytes of the pattern */
	SEND_TICKET,    /* a NewSessionTicket */
	KEY_UPDATE,     /* SSL_key_update; len: 1 = update_requested */
	SHUTDOWN,       /* close_notify */
	EXPECT_DATA,    /* read and check len bytes */
	EXPECT_CLOSE,   /* read: the peer's close_notify */
	EXPECT_FAILURE, /* read: a TLS error */
	RENEGOTIATE,    /* TLS 1.2: SSL_renegotiate() and send its first message (a server's HelloRequest) */
	STEP_END
};

struct step {
	enum step_kind kind;
	size_t len;
};

struct peer_job {
	SSL *ssl;
	const struct step *steps;
	uint64_t seed_out, seed_in, out_off, in_off;
	int ok;
	int failed_at; /* step that failed, or -1 */
	char why[160]; /* what OpenSSL said about the failed step, or the expected failure */
	pthread_t thread;
};

/* A handed-off connection: libktls's socket, and the OpenSSL peer on the other end. */
struct handoff {
	int fd, peer_fd;
	SSL *peer;
	SSL_CTX *cctx, *sctx;
	uint16_t suite, version;
	struct tls_side_keys keys; /* what the libktls side installs; wipe after use */
	struct peer_job job;
};

/* Handshake with libktls as the client; the server sends `tickets` NewSessionTickets. */
void handoff_open(struct handoff *h, uint16_t suite, int tickets);
/* Start the peer's script (seeds: suite + 100 out, suite + 200 in). */
void handoff_start(struct handoff *h, const struct step *script);
/* Join the peer; 0 when its script ran to the end, else the failed step + 1. */
int handoff_close(struct handoff *h);

#endif
