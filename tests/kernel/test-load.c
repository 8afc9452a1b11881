/* SPDX-License-Identifier: MIT */
/* Load and faults on the real kernel: 1000 concurrent kTLS connections (both ends kTLS, TLS 1.2
 * and 1.3, four ciphers) move more than 1 GiB in one epoll loop, every byte checked; among them a
 * peer that sends a corrupted record, one that resets in the middle of a record, and one that
 * sends a storm of KeyUpdates (really updating its keys where the kernel can: the reader's bound
 * ends it with -EXFULL; where the kernel cannot, the first one ends it with -EKEYEXPIRED). Each
 * fault surfaces on its own connection only. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/new-reader.h"

#define CONNS 1000
#define CHUNK 65536

static int can_rekey;

enum fault { NONE, CORRUPT, RESET, STORM };

struct conn {
	int w, r;             /* writer and reader ends */
	enum fault fault;
	uint64_t seed, volume, written, verified;
	struct ktls_reader *reader;
	struct ktls_conn *kc; /* the storm's reader */
	struct ktls_conn *kw; /* the storm's writer: really updates its keys where the kernel can */
	int done, error;
};

static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0xC02F, 0xC030, 0xCCA8, 0xC09C };

static void keys_for(int i, uint16_t suite, struct ktls_secrets *s, uint8_t *buf)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	pattern_fill((uint64_t)i * 7919, 0, buf, 96);
	if (si.tls_version == KTLS_TLS_1_3)
		*s = (struct ktls_secrets){ .secret = buf, .secret_len = si.hash_len };
	else
		*s = (struct ktls_secrets){ .key = buf, .key_len = si.key_len, .iv = buf + 48, .iv_len = si.iv_len };
}

static void set_nonblocking(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static void open_conn(struct conn *c, int i, uint64_t volume)
{
	uint8_t kb[96];
	struct ktls_secrets s;
	uint16_t suite = suites[i % 8];

	memset(c, 0, sizeof(*c));
	c->seed = (uint64_t)i + 1;
	c->volume = volume;
	c->fault = i == 17 ? CORRUPT : i == 501 ? RESET : i == 733 ? STORM : NONE;
	assert_int_equal(tcp_pair(&c->w, &c->r, i & 1), 0);
	keys_for(i, suite, &s, kb);
	if (c->fault == STORM) {
		suite = 0x1301;
		keys_for(i, suite, &s, kb);
		assert_int_equal(ktls_conn_open(c->w, suite, &s, 0, &s, 0, NULL, &c->kw), 0);
		const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 4, .peer_update_window_ms = 60000 };
		assert_int_equal(ktls_conn_open(c->r, suite, &s, 0, &s, 0, &o, &c->kc), 0);
	} else {
		if (c->fault == NONE)
			assert_int_equal(ktls_install(c->w, KTLS_DIR_TX, suite, &s, 1), 0);
		assert_int_equal(ktls_install(c->r, KTLS_DIR_RX, suite, &s, 1), 0);
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suite, &si), 0);
		c->reader = new_reader(si.tls_version, 0);
		assert_non_null(c->reader);
	}
	set_nonblocking(c->w);
	set_nonblocking(c->r);
}

/* The faulty peers write their bytes in clear, as an attacker on the path would. */
static void inject(struct conn *c)
{
	uint8_t rec[5 + 300];

	switch (c->fault) {
	case CORRUPT: /* a well-formed header and 300 bytes that authenticate under no key */
		rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 300 >> 8, rec[4] = 300 & 0xFF;
		pattern_fill(99, 0, rec + 5, 300);
		assert_int_equal(write_all(c->w, rec, sizeof(rec)), 0);
		break;
	case RESET: { /* half a record, then RST */
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 300 >> 8, rec[4] = 300 & 0xFF;
		assert_int_equal(write_all(c->w, rec, 5 + 100), 0);
		assert_int_equal(setsockopt(c->w, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
		close(c->w);
		c->w = -1;
		break;
	}
	case STORM:
		/* A peer that follows the protocol: each KeyUpdate comes with its new keys. Where the
		 * kernel cannot replace keys, the first one already ends the reader's connection. */
		if (can_rekey) {
			for (int i = 0; i < 100; i++)
				assert_int_equal(ktls_conn_update_keys(c->kw, 0), 0);
		} else {
			assert_int_equal(ktls_conn_update_keys(c->kw, 0), -EBUSY);
			assert_int_equal(ktls_send_handshake(c->w, KTLS_HANDSHAKE_KEY_UPDATE, "\x00", 1, 0), 0);
		}
		break;
	case NONE:
		break;
	}
}

static void on_writable(struct conn *c, uint8_t *buf)
{
	while (c->fault == NONE && c->written < c->volume) {
		size_t n = c->volume - c->written < CHUNK ? (size_t)(c->volume - c->written) : CHUNK;
		pattern_fill(c->seed, c->written, buf, n);
		ssize_t w = write(c->w, buf, n);
		if (w < 0) {
			assert_int_equal(errno, EAGAIN);
			return;
		}
		c->written += (uint64_t)w;
	}
}

static void on_readable(struct conn *c, uint8_t *buf)
{
	for (;;) {
		ssize_t n = c->kc ? ktls_conn_read(c->kc, buf, CHUNK, 0) : ktls_reader_read(c->reader, c->r, buf, CHUNK, 0);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			c->done = 1;
			c->error = (int)n;
			return;
		}
		assert_int_equal(c->fault, NONE);
		assert_int_equal(pattern_check(c->seed, c->verified, buf, (size_t)n), (size_t)n);
		c->verified += (uint64_t)n;
		if (c->verified == c->volume) {
			c->done = 1;
			return;
		}
	}
}

static void test_thousand_connections_and_faults(void **state)
{
	static struct conn conns[CONNS];
	uint8_t *buf = malloc(CHUNK);
	uint64_t mib = getenv("KTLS_LOAD_MIB") ? strtoull(getenv("KTLS_LOAD_MIB"), NULL, 10) : 1100;
	uint64_t per = mib * (1u << 20) / CONNS;
	struct rlimit rl;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * CONNS + 64) {
		rl.rlim_cur = rl.rlim_max < 2 * CONNS + 64 ? rl.rlim_max : 2 * CONNS + 64;
		rl.rlim_max = rl.rlim_max < rl.rlim_cur ? rl.rlim_cur : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 2 * CONNS + 64)
			fail_msg("need %d descriptors", 2 * CONNS + 64);
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < CONNS; i++) {
		open_conn(&conns[i], i, per);
		struct epoll_event ew = { .events = EPOLLOUT, .data.u64 = (uint64_t)i << 1 };
		struct epoll_event er = { .events = EPOLLIN, .data.u64 = (uint64_t)i << 1 | 1 };
		inject(&conns[i]);
		if (conns[i].w >= 0 && conns[i].fault == NONE)
			assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].w, &ew), 0);
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].r, &er), 0);
	}
	int remaining = CONNS;
	while (remaining > 0) {
		struct epoll_event ev[256];
		int n = epoll_wait(ep, ev, 256, 60000);
		assert_true(n > 0); /* never a minute without progress */
		for (int e = 0; e < n; e++) {
			struct conn *c = &conns[ev[e].data.u64 >> 1];
			if (c->done)
				continue;
			if (ev[e].data.u64 & 1) {
				on_readable(c, buf);
				if (c->done) {
					remaining--;
					epoll_ctl(ep, EPOLL_CTL_DEL, c->r, NULL);
				}
			} else {
				on_writable(c, buf);
				if (c->written == c->volume)
					epoll_ctl(ep, EPOLL_CTL_DEL, c->w, NULL);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	uint64_t total = 0;
	for (int i = 0; i < CONNS; i++) {
		struct conn *c = &conns[i];
		switch (c->fault) {
		case NONE:
			if (c->error)
				fail_msg("connection %d failed: %s", i, ktls_strerror(c->error));
			assert_int_equal(c->verified, c->volume);
			total += c->verified;
			break;
		case CORRUPT:
			assert_int_equal(c->error, -EBADMSG);
			break;
		case RESET:
			print_message("reset in mid-record: %s\n", ktls_strerror(c->error));
			assert_true(c->error == -ECONNRESET || c->error == -EPIPE);
			break;
		case STORM:
			print_message("KeyUpdate storm: %s\n", ktls_strerror(c->error));
			assert_int_equal(c->error, can_rekey ? -EXFULL : -EKEYEXPIRED);
			break;
		}
		ktls_reader_free(c->reader);
		ktls_conn_free(c->kc);
		ktls_conn_free(c->kw);
		if (c->w >= 0)
			close(c->w);
		close(c->r);
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("%d connections, %.1f MiB verified in %.1f s\n", CONNS - 3, (double)total / (1 << 20), secs);
	assert_int_equal(total, per * (CONNS - 3)); /* every byte of every healthy connection */
	if (mib >= 1100)
		assert_true(total >= (1ull << 30));
	close(ep);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_connections_and_faults),
	};
	require_ktls_kernel();
	can_rekey = ktls_probe_rekey();
	if (can_rekey < 0) {
		fprintf(stderr, "ktls_probe_rekey: %s\n", ktls_strerror(can_rekey));
		return 1;
	}
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
