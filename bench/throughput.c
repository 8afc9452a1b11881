/* SPDX-License-Identifier: MIT */
/*
 * Bulk transfer server -> client over loopback, TLS 1.3 AES-128-GCM, for each way of doing the
 * record layer, by 16 KiB writes and by sendfile. Wall time and CPU time of both ends (one
 * process, two threads) per run; runs of all variants interleaved; medians reported.
 * The kTLS variants: libktls as a user gets it (ktls_conn_open() and ktls_conn_read() with their
 * defaults, zero-copy receive included); the same with zero-copy receive turned off (what the
 * defaults were before); and the hand-written data path libktls is measured against: plain
 * read() with TLS_RX_EXPECT_NO_PAD set by setsockopt().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../examples/openssl/example-setup.h"
#include "bench.h"


enum variant { LIBKTLS, LIBKTLS_PADDED, RAW_NOPAD, OPENSSL, OPENSSL_KTLS, VARIANTS };
enum method { WRITES, SENDFILE, METHODS };

static const char *const variant_names[VARIANTS] = {
	"libktls, defaults (kTLS both ways)", "libktls, zero-copy receive off", "read() + setsockopt(NO_PAD)",
	"OpenSSL userspace", "OpenSSL built-in kTLS",
};
static const char *const method_names[METHODS] = { "16 KiB writes", "sendfile" };

#define CHUNK 16384

struct transfer {
	enum variant variant;
	enum method method;
	struct tls_pair pair;
	struct ktls_conn *server_conn, *client_conn;
	int file;
	size_t bytes;
};

static void *send_all(void *arg)
{
	struct transfer *t = arg;
	static __thread char buf[CHUNK];
	size_t sent = 0;

	while (sent < t->bytes) {
		size_t n = t->bytes - sent < CHUNK ? t->bytes - sent : CHUNK;
		ssize_t r;

		if (t->variant == OPENSSL || (t->variant == OPENSSL_KTLS && t->method == WRITES)) {
			/* userspace OpenSSL cannot sendfile: it reads the file and writes records */
			if (t->method == SENDFILE && pread(t->file, buf, n, (off_t)sent) != (ssize_t)n)
				die("pread");
			r = SSL_write(t->pair.server, buf, (int)n);
		} else if (t->variant == OPENSSL_KTLS) {
			r = SSL_sendfile(t->pair.server, t->file, (off_t)sent, t->bytes - sent, 0);
		} else if (t->method == SENDFILE) {
			off_t off = (off_t)sent;

			r = sendfile(t->pair.server_fd, t->file, &off, t->bytes - sent);
		} else {
			r = write(t->pair.server_fd, buf, n);
		}
		if (r <= 0)
			die("%s, %s: send failed (%s)", variant_names[t->variant], method_names[t->method],
			    strerror(errno));
		sent += (size_t)r;
	}
	return NULL;
}

/* The hand-written kTLS receive: read(), and a recvmsg() with a control buffer for the records
 * read() refuses with EIO (the server's NewSessionTickets), which are dropped. */
static ssize_t raw_read(int fd, char *buf, size_t len)
{
	for (;;) {
		ssize_t r = read(fd, buf, len);
		if (r >= 0 || errno != EIO)
			return r;
		uint8_t type;
		r = ktls_recv_record(fd, buf, len, &type, 0);
		if (r <= 0 || type == KTLS_RECORD_APPLICATION_DATA)
			return r;
	}
}

static void receive_all(struct transfer *t)
{
	static char buf[4 * CHUNK];
	size_t got = 0;

	while (got < t->bytes) {
		ssize_t r = t->variant == RAW_NOPAD ? raw_read(t->pair.client_fd, buf, sizeof(buf))
			    : t->client_conn	    ? ktls_conn_read(t->client_conn, buf, sizeof(buf), 0)
						    : SSL_read(t->pair.client, buf, sizeof(buf));

		if (r == -ENOMSG) { /* the server's NewSessionTickets */
			const uint8_t *body;
			size_t len;
			uint8_t type;

			while (ktls_conn_next_message(t->client_conn, &type, &body, &len) == 1)
				;
			continue;
		}
		if (r <= 0)
			die("%s: receive failed (%zd)", variant_names[t->variant], r);
		got += (size_t)r;
	}
}

/* An unlinked temporary file of MIB mebibytes of varied bytes, for sendfile and pread. */
static int source_file(size_t mib)
{
	static char block[1 << 20];
	char path[] = "/tmp/ktls-bench-XXXXXX";
	int file = mkstemp(path);

	if (file < 0)
		die("mkstemp: %s", strerror(errno));
	unlink(path);
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)(i * 2654435761u >> 24);
	for (size_t i = 0; i < mib; i++)
		if (write(file, block, sizeof(block)) != (ssize_t)sizeof(block))
			die("writing the source file");
	return file;
}

static void setup(struct transfer *t, SSL_CTX *const ctx[2])
{
	int on = 1, off = 0;

	if (tls_pair_open(&t->pair, ctx[0], ctx[1]) < 0)
		die("handshake failed");
	if (t->variant == LIBKTLS || t->variant == LIBKTLS_PADDED || t->variant == RAW_NOPAD) {
		if (ktls_openssl_handoff(t->pair.server, -1, NULL, &t->server_conn) < 0 ||
		    ktls_openssl_handoff(t->pair.client, -1, NULL, &t->client_conn) < 0)
			die("libktls hand-off failed (does this kernel have kTLS?)");
		SSL_free(t->pair.server);
		SSL_free(t->pair.client);
		t->pair.server = t->pair.client = NULL;
		if (t->variant != LIBKTLS &&
		    setsockopt(t->pair.client_fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD, t->variant == RAW_NOPAD ? &on : &off,
			       sizeof(on)) < 0)
			die("TLS_RX_EXPECT_NO_PAD: %s (Linux 6.0+)", strerror(errno));
		if (t->variant == RAW_NOPAD) { /* the keys stay; the data path is read() */
			ktls_conn_free(t->client_conn);
			t->client_conn = NULL;
		}
	} else if (t->variant == OPENSSL_KTLS && !BIO_get_ktls_send(SSL_get_wbio(t->pair.server))) {
		die("OpenSSL did not enable its kTLS TX");
	}
}

static void teardown(struct transfer *t)
{
	ktls_conn_free(t->server_conn);
	ktls_conn_free(t->client_conn);
	t->server_conn = t->client_conn = NULL;
	tls_pair_close(&t->pair);
}

static SSL_CTX *context(int server, int openssl_ktls)
{
	SSL_CTX *ctx = handoff_context(server, NULL, NULL);

	if (!ctx || !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"))
		die("OpenSSL context");
	if (openssl_ktls)
		SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	return ctx;
}

/* One transfer, untimed, for a whole-VM instruction count: VARIANT METHOD MIB. */
int bench_transfer(int argc, char **argv)
{
	static const char *const names[VARIANTS] = { "libktls", "libktls-padded", "raw-nopad", "openssl",
						     "openssl-ktls" };
	SSL_CTX *ctx[2];
	struct transfer t = { .variant = VARIANTS };
	pthread_t sender;

	for (int v = 0; argc == 4 && v < VARIANTS; v++)
		if (strcmp(argv[1], names[v]) == 0)
			t.variant = v;
	if (t.variant == VARIANTS || (strcmp(argv[2], "writes") != 0 && strcmp(argv[2], "sendfile") != 0))
		die("usage: transfer libktls|libktls-padded|raw-nopad|openssl|openssl-ktls writes|sendfile MIB");
	t.method = strcmp(argv[2], "writes") == 0 ? WRITES : SENDFILE;
	t.bytes = strtoul(argv[3], NULL, 10) << 20;
	t.file = source_file(t.bytes >> 20);
	ctx[0] = context(0, t.variant == OPENSSL_KTLS);
	ctx[1] = context(1, t.variant == OPENSSL_KTLS);
	setup(&t, ctx);
	pthread_create(&sender, NULL, send_all, &t);
	receive_all(&t);
	pthread_join(sender, NULL);
	teardown(&t);
	SSL_CTX_free(ctx[0]);
	SSL_CTX_free(ctx[1]);
	close(t.file);
	return 0;
}

int bench_throughput(int argc, char **argv)
{
	size_t mib = 64, runs = 5;
	SSL_CTX *plain[2] = { context(0, 0), context(1, 0) };
	SSL_CTX *ossl_ktls[2] = { context(0, 1), context(1, 1) };
	double wall[METHODS][VARIANTS][32], cpu[METHODS][VARIANTS][32];
	int file;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mib") == 0)
			mib = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = strtoul(argv[i + 1], NULL, 10);
	}
	if (runs < 1 || runs > 32 || mib < 1)
		die("--runs 1..32, --mib >= 1");
	file = source_file(mib);

	printf("libktls %s; throughput: %zu MiB per transfer, TLS 1.3 AES-128-GCM over loopback, %zu interleaved runs\n", ktls_version(),
	       mib, runs);
	for (size_t run = 0; run < runs; run++) {
		for (int m = 0; m < METHODS; m++) {
			for (int v = 0; v < VARIANTS; v++) {
				struct transfer t = { .variant = v, .method = m, .file = file,
						      .bytes = mib << 20 };
				pthread_t sender;

				setup(&t, v == OPENSSL_KTLS ? ossl_ktls : plain);
				double w0 = wall_seconds(), c0 = cpu_seconds();
				pthread_create(&sender, NULL, send_all, &t);
				receive_all(&t);
				pthread_join(sender, NULL);
				wall[m][v][run] = wall_seconds() - w0;
				cpu[m][v][run] = cpu_seconds() - c0;
				teardown(&t);
			}
		}
	}
	for (int m = 0; m < METHODS; m++) {
		double base_cpu = median(cpu[m][OPENSSL], runs);

		printf("\n%s (userspace OpenSSL reads the file and SSL_writes it where the method is sendfile)\n",
		       method_names[m]);
		printf("  %-34s %10s %12s %16s\n", "", "MiB/s", "CPU s/GiB", "CPU vs OpenSSL");
		for (int v = 0; v < VARIANTS; v++) {
			double w = median(wall[m][v], runs), c = median(cpu[m][v], runs);
			double gib = (double)mib / 1024;

			printf("  %-34s %10.1f %12.2f %15.2fx\n", variant_names[v], (double)mib / w, c / gib,
			       c / base_cpu);
		}
	}
	close(file);
	for (int i = 0; i < 2; i++) {
		SSL_CTX_free(plain[i]);
		SSL_CTX_free(ossl_ktls[i]);
	}
	return 0;
}
