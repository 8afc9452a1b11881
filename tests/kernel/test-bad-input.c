/* SPDX-License-Identifier: MIT */
/* The bad-input matrix on a real kernel: every public function that takes a descriptor, against
 * closed descriptors, pipes, UDP, UNIX, listening, unconnected, plain TCP and ULP-without-keys
 * sockets; NULL pointers; the sequence number at the 2^64 edge; calls racing from threads. Each
 * gives its documented error, sends nothing in clear, and leaks no descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <linux/tls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/new-reader.h"

static const uint8_t secret[32] = { 5 };
static const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };

enum kind { CLOSED, PIPE, UDP, UNIX_STREAM, LISTENING, UNCONNECTED, PLAIN_TCP, ULP_ONLY, N_KINDS };
static const char *const names[] = { "closed", "pipe", "udp", "unix", "listening", "unconnected",
				     "plain-tcp", "ulp-no-keys" };

struct fixture {
	int fd[N_KINDS];
	int extra[4]; /* peers and pipe ends to close */
};

static void make(struct fixture *f)
{
	int p[2], c, s;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	f->fd[CLOSED] = fcntl(0, F_DUPFD_CLOEXEC, 900); /* a high number nothing else will take */
	close(f->fd[CLOSED]);
	assert_int_equal(pipe(p), 0);
	f->fd[PIPE] = p[0], f->extra[0] = p[1];
	f->fd[UDP] = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	f->fd[UNIX_STREAM] = p[0], f->extra[1] = p[1];
	f->fd[LISTENING] = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(f->fd[LISTENING], (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->fd[LISTENING], 1), 0);
	f->fd[UNCONNECTED] = socket(AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	f->fd[PLAIN_TCP] = c, f->extra[2] = s;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", 3), 0);
	f->fd[ULP_ONLY] = c, f->extra[3] = s;
}

static void unmake(struct fixture *f)
{
	for (int k = 1; k < N_KINDS; k++)
		close(f->fd[k]);
	for (int i = 0; i < 4; i++)
		close(f->extra[i]);
}

static void expect(const char *call, enum kind k, long got, long want)
{
	if (got != want)
		fail_msg("%s on a %s descriptor: %ld (%s), expected %ld (%s)", call, names[k], got,
			 ktls_strerror((int)got), want, ktls_strerror((int)want));
}

static void test_every_descriptor_kind(void **state)
{
	struct fixture f;
	uint8_t buf[16], type;
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	static const long install[N_KINDS] = { -EBADF, -ENOTSOCK, -ESOCKTNOSUPPORT, -ESOCKTNOSUPPORT,
					       -ENOTCONN, -ENOTCONN, 0, 0 };
	static const long send[N_KINDS] = { -EBADF, -ENOTSOCK, -ENOKEY, -ENOKEY, -ENOKEY, -ENOKEY, -ENOKEY, -ENOKEY };
	static const long recv_err[N_KINDS] = { -EBADF, -ENOTSOCK, -EAGAIN, -EAGAIN, -ENOTCONN, -ENOTCONN, -EAGAIN, -EAGAIN };
	static const long info[N_KINDS] = { -EBADF, -ENOTSOCK, -ESOCKTNOSUPPORT, -ESOCKTNOSUPPORT,
					    -ENOTCONN, -ENOTCONN, 0, 0 };

	(void)state;
	make(&f);
	for (enum kind k = 0; k < N_KINDS; k++) {
		int fd = f.fd[k];
		struct ktls_socket_info si = { .sz = sizeof(si) };
		struct ktls_conn *conn = NULL;

		/* nothing may leave a socket without TX keys: not even an alert */
		expect("ktls_send_record", k, ktls_send_record(fd, KTLS_RECORD_ALERT, "\x01\x00", 2, 0), send[k]);
		expect("ktls_send_alert", k, ktls_send_alert(fd, 1, 0), send[k]);
		expect("ktls_shutdown", k, ktls_shutdown(fd), send[k]);
		expect("ktls_send_handshake", k, ktls_send_handshake(fd, 24, "\x00", 1, 0), send[k]);
		expect("ktls_recv_record", k, ktls_recv_record(fd, buf, sizeof(buf), &type, MSG_DONTWAIT), recv_err[k]);
		expect("ktls_reader_read", k, ktls_reader_read(r, fd, buf, sizeof(buf), MSG_DONTWAIT), recv_err[k]);
		expect("ktls_socket_info", k, ktls_socket_info(fd, &si), info[k]);
		expect("ktls_socket_ifindex", k, ktls_socket_ifindex(fd),
		       info[k] ? info[k] : (long)if_nametoindex("lo"));
		expect("ktls_conn_open", k, ktls_conn_open(fd, 0x1301, &s13, 0, &s13, 0, NULL, &conn), install[k]);
		if (conn)
			ktls_conn_free(conn);
		else
			assert_null(conn); /* untouched on failure */
	}
	/* the plain socket's peer received nothing in clear */
	assert_int_equal(recv(f.extra[2], buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	ktls_reader_free(r);
	unmake(&f);
}

static void test_null_pointers(void **state)
{
	uint8_t buf[8], type;
	int c, s;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_recv_record(c, NULL, 8, &type, 0), -EFAULT);
	assert_int_equal(ktls_recv_record(c, buf, 8, NULL, 0), -EFAULT);
	assert_int_equal(ktls_recv_record(c, buf, 0, &type, 0), -EINVAL);
	assert_int_equal(ktls_send_record(c, 23, NULL, 8, 0), -EFAULT);
	assert_int_equal(ktls_send_handshake(c, 4, NULL, 8, 0), -EFAULT);
	assert_int_equal(ktls_reader_read(NULL, c, buf, 8, 0), -EFAULT);
	assert_int_equal(ktls_conn_read(NULL, buf, 8, 0), -EFAULT);
	assert_int_equal(ktls_conn_update_keys(NULL, 0), -EFAULT);
	assert_int_equal(ktls_conn_key_usage(NULL, NULL), -EFAULT);
	assert_int_equal(ktls_conn_check_limits(NULL), -EFAULT);
	assert_null(ktls_conn_reader(NULL));
	ktls_conn_free(NULL);
	assert_int_equal(ktls_conn_open(c, 0x1301, NULL, 0, &s13, 0, NULL, NULL), -EFAULT);
	assert_int_equal(ktls_socket_info(c, NULL), -EFAULT);
	assert_int_equal(ktls_socket_foreach(NULL, NULL), -EFAULT);
	assert_int_equal(ktls_netdev_info(NULL, NULL), -EFAULT);
	assert_int_equal(ktls_probe_kernel(NULL), -EFAULT);
	assert_int_equal(ktls_stat_read(NULL, 1), -EFAULT);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, NULL, 0), -EFAULT);
	close(c);
	close(s);
}

/* The sequence number at the 2^64 edge: accepted and read back; the kernel refuses to go past the
 * end of the counter (an error, never a nonce used twice). */
static void test_sequence_number_edge(void **state)
{
	int c, s;
	struct ktls_conn *ca, *cb;
	struct ktls_key_usage u = { .sz = sizeof(u) };
	uint8_t buf[8];

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_conn_open(c, 0x1301, &s13, UINT64_MAX - 1, &s13, 0, NULL, &ca), 0);
	assert_int_equal(ktls_conn_open(s, 0x1301, &s13, 0, &s13, UINT64_MAX - 1, NULL, &cb), 0);
	assert_int_equal(ktls_conn_key_usage(ca, &u), 0);
	assert_int_equal(u.tx_records, UINT64_MAX - 1);
	assert_int_equal(write(c, "a", 1), 1); /* sequence 2^64 - 2 */
	assert_int_equal(ktls_conn_read(cb, buf, 1, 0), 1);
	assert_int_equal(buf[0], 'a');
	int sent = 0;
	for (int i = 0; i < 3; i++) {
		ssize_t n = write(c, "b", 1);
		print_message("write %d past 2^64 - 2: %s\n", i + 1, n < 0 ? strerror(errno) : "sent");
		if (n < 0)
			break;
		sent++;
	}
	assert_true(sent <= 1); /* at most the record at 2^64 - 1; the counter never wraps */
	for (int i = 0; i < sent; i++) {
		assert_int_equal(ktls_conn_read(cb, buf, 1, 0), 1);
		assert_int_equal(buf[0], 'b');
	}
	ktls_conn_free(ca);
	ktls_conn_free(cb);
	close(c);
	close(s);
}

struct race {
	pthread_barrier_t *barrier;
	int fd, result, installs;
};

static void *install_same_socket(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->barrier);
	r->result = ktls_install(r->fd, KTLS_DIR_TX, 0x1301, &s13, 0);
	return NULL;
}

static void *install_many(void *arg)
{
	struct race *r = arg;
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304 };

	pthread_barrier_wait(r->barrier);
	for (int i = 0; i < 40; i++) {
		int c, s;
		uint8_t key[32], iv[12];
		size_t kl = sizeof(key), il = sizeof(iv);
		uint16_t suite = suites[i % 4];
		uint8_t sec[48] = { (uint8_t)i };
		struct ktls_secrets x = { .secret = sec, .secret_len = suite == 0x1302 ? 48 : 32 };
		if (tcp_pair(&c, &s, i & 1) < 0 || ktls_derive_keys(suite, sec, x.secret_len, key, &kl, iv, &il) < 0)
			return NULL;
		if (ktls_install(c, KTLS_DIR_TX, suite, &x, 0) == 0 && ktls_install(c, KTLS_DIR_RX, suite, &x, 0) == 0)
			r->installs++;
		close(c);
		close(s);
	}
	return NULL;
}

static void test_threads_racing(void **state)
{
	pthread_barrier_t b;
	pthread_t t[8];
	struct race r[8];
	int rekey = kernel_version() >= 6014;

	(void)state;
	/* two threads, one socket, one direction: the ULP is attached once, one install wins */
	assert_int_equal(pthread_barrier_init(&b, NULL, 2), 0);
	for (int round = 0; round < 20; round++) {
		int c, s;
		assert_int_equal(tcp_pair(&c, &s, 0), 0);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct race){ .barrier = &b, .fd = c };
			assert_int_equal(pthread_create(&t[i], NULL, install_same_socket, &r[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		int ok = (r[0].result == 0) + (r[1].result == 0), busy = (r[0].result == -EBUSY) + (r[1].result == -EBUSY);
		assert_int_equal(ok, rekey ? 2 : 1);
		assert_int_equal(busy, rekey ? 0 : 1);
		close(c);
		close(s);
	}
	pthread_barrier_destroy(&b);

	/* eight threads installing and deriving on their own sockets */
	assert_int_equal(pthread_barrier_init(&b, NULL, 8), 0);
	for (int i = 0; i < 8; i++) {
		r[i] = (struct race){ .barrier = &b };
		assert_int_equal(pthread_create(&t[i], NULL, install_many, &r[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].installs, 40);
	}
	pthread_barrier_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_descriptor_kind),
		cmocka_unit_test(test_null_pointers),
		cmocka_unit_test(test_sequence_number_edge),
		cmocka_unit_test(test_threads_racing),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
