/* SPDX-License-Identifier: MIT */
/*
 * Targets for valgrind --tool=callgrind --toggle-collect=cg_NAME (run-bench.sh drives them):
 * each cg_* function runs one path a fixed number of times, so that the instructions counted
 * inside it, divided by the count printed, are the userspace cost per call. System calls count
 * as the instructions that issue them; the kernel's work is not in these numbers.
 *
 *   recv-raw      recvmsg() with a control buffer and the record-type check, by hand
 *   recv-record   ktls_recv_record()
 *   conn-read     ktls_conn_read() (record type, reader, KeyUpdate handling)
 *   conn-read-ticket  ktls_conn_read() of a NewSessionTicket record then a data record: the
 *                 slow path (the reader's receive step) and back
 *   install-raw   setsockopt TCP_ULP, TLS_TX, TLS_RX with precomputed bytes
 *   install       ktls_install() TX and RX from traffic secrets (HKDF included)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tls.h>
#include <netinet/tcp.h>

#include "bench.h"


#define RECORDS 2000
#define RECORD_BYTES 16384
#define INSTALLS 100

static uint8_t secret_a[32] = { 1 }, secret_b[32] = { 2 };
static const struct ktls_secrets tx = { .secret = secret_a, .secret_len = 32 };
static const struct ktls_secrets rx = { .secret = secret_b, .secret_len = 32 };
static char buf[RECORD_BYTES];

__attribute__((noinline)) void cg_recv_raw(int fd);
__attribute__((noinline)) void cg_recv_record(int fd);
__attribute__((noinline)) void cg_conn_read(struct ktls_conn *conn);
__attribute__((noinline)) void cg_conn_read_ticket(struct ktls_conn *conn);
__attribute__((noinline)) void cg_install_raw(const int *fds, const uint8_t *tx_info,
					      const uint8_t *rx_info, socklen_t len);
__attribute__((noinline)) void cg_install(const int *fds);

void cg_recv_raw(int fd)
{
	for (int i = 0; i < RECORDS; i++) {
		union {
			struct cmsghdr align;
			char bytes[CMSG_SPACE(1)];
		} control;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
				      .msg_controllen = sizeof(control) };
		struct cmsghdr *cmsg;

		if (recvmsg(fd, &msg, 0) != RECORD_BYTES)
			die("recvmsg");
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_TLS && cmsg->cmsg_type == TLS_GET_RECORD_TYPE &&
		    *CMSG_DATA(cmsg) != 23)
			die("not application data");
	}
}

void cg_recv_record(int fd)
{
	for (int i = 0; i < RECORDS; i++) {
		uint8_t type;

		if (ktls_recv_record(fd, buf, sizeof(buf), &type, 0) != RECORD_BYTES || type != 23)
			die("ktls_recv_record");
	}
}

void cg_conn_read(struct ktls_conn *conn)
{
	for (int i = 0; i < RECORDS; i++)
		if (ktls_conn_read(conn, buf, sizeof(buf), 0) != RECORD_BYTES)
			die("ktls_conn_read");
}

void cg_conn_read_ticket(struct ktls_conn *conn)
{
	for (int i = 0; i < RECORDS; i++) {
		const uint8_t *body;
		size_t body_len;
		uint8_t type;

		if (ktls_conn_read(conn, buf, sizeof(buf), 0) != -ENOMSG ||
		    ktls_conn_next_message(conn, &type, &body, &body_len) != 1 || type != 4)
			die("ktls_conn_read: no ticket");
		if (ktls_conn_read(conn, buf, sizeof(buf), 0) != RECORD_BYTES)
			die("ktls_conn_read");
	}
}

void cg_install_raw(const int *fds, const uint8_t *tx_info, const uint8_t *rx_info, socklen_t len)
{
	for (int i = 0; i < INSTALLS; i++)
		if (setsockopt(fds[i], SOL_TCP, TCP_ULP, "tls", 3) < 0 ||
		    setsockopt(fds[i], SOL_TLS, TLS_TX, tx_info, len) < 0 ||
		    setsockopt(fds[i], SOL_TLS, TLS_RX, rx_info, len) < 0)
			die("setsockopt: %s", strerror(errno));
}

void cg_install(const int *fds)
{
	for (int i = 0; i < INSTALLS; i++)
		if (ktls_install(fds[i], KTLS_DIR_TX, BENCH_SUITE, &tx, 0) < 0 ||
		    ktls_install(fds[i], KTLS_DIR_RX, BENCH_SUITE, &rx, 0) < 0)
			die("ktls_install");
}

/* A child process sends RECORDS records of RECORD_BYTES under secret_b, one write() each; with
 * tickets, a NewSessionTicket record before each. */
static pid_t start_sender(int fd, int tickets)
{
	static const uint8_t ticket[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	pid_t pid = fork();

	if (pid == 0) {
		if (ktls_install(fd, KTLS_DIR_TX, BENCH_SUITE, &rx, 0) < 0)
			_exit(1);
		for (int i = 0; i < RECORDS; i++)
			if ((tickets && ktls_send_handshake(fd, 4, ticket, sizeof(ticket), 0) < 0) ||
			    write(fd, buf, sizeof(buf)) != RECORD_BYTES)
				_exit(1);
		_exit(0);
	}
	return pid;
}

static int recv_target(const char *name)
{
	struct ktls_conn *conn = NULL;
	int fds[2], ret, status;
	pid_t sender;

	if (tcp_pair(fds) < 0)
		die("socket pair");
	if (strncmp(name, "conn-read", 9) == 0)
		ret = ktls_conn_open(fds[0], BENCH_SUITE, &tx, 0, &rx, 0, NULL, &conn);
	else
		ret = ktls_install(fds[0], KTLS_DIR_RX, BENCH_SUITE, &rx, 0);
	if (ret < 0)
		die("install: %s", ktls_strerror(ret));
	sender = start_sender(fds[1], strcmp(name, "conn-read-ticket") == 0);
	if (strcmp(name, "recv-raw") == 0)
		cg_recv_raw(fds[0]);
	else if (strcmp(name, "recv-record") == 0)
		cg_recv_record(fds[0]);
	else if (strcmp(name, "conn-read-ticket") == 0)
		cg_conn_read_ticket(conn);
	else
		cg_conn_read(conn);
	waitpid(sender, &status, 0);
	ktls_conn_free(conn);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("the sender failed");
	printf("calls %d\n", RECORDS);
	return 0;
}

static int install_target(const char *name)
{
	int fds[INSTALLS], peers[INSTALLS];
	uint8_t tx_info[KTLS_CRYPTO_INFO_MAX], rx_info[KTLS_CRYPTO_INFO_MAX];
	ssize_t len = ktls_crypto_info(BENCH_SUITE, &tx, 0, tx_info, sizeof(tx_info));

	if (len < 0 || ktls_crypto_info(BENCH_SUITE, &rx, 0, rx_info, sizeof(rx_info)) != len)
		die("crypto info");
	for (int i = 0; i < INSTALLS; i++) {
		int pair[2];

		if (tcp_pair(pair) < 0)
			die("socket pair");
		fds[i] = pair[0];
		peers[i] = pair[1];
	}
	if (strcmp(name, "install-raw") == 0)
		cg_install_raw(fds, tx_info, rx_info, (socklen_t)len);
	else
		cg_install(fds);
	for (int i = 0; i < INSTALLS; i++) {
		close(fds[i]);
		close(peers[i]);
	}
	printf("calls %d\n", INSTALLS);
	return 0;
}

int bench_callgrind_target(int argc, char **argv)
{
	const char *name = argv[1];

	(void)argc;
	if (strcmp(name, "recv-raw") == 0 || strcmp(name, "recv-record") == 0 ||
	    strcmp(name, "conn-read") == 0 || strcmp(name, "conn-read-ticket") == 0)
		return recv_target(name);
	if (strcmp(name, "install-raw") == 0 || strcmp(name, "install") == 0)
		return install_target(name);
	die("unknown callgrind target %s", name);
}
