/* SPDX-License-Identifier: MIT */
/* A double of the kernel's kTLS socket pair, faithful to Documentation/networking/tls.rst and the
 * kernel selftests where libktls depends on it:
 * - records carry the key, IV and sequence number they were sent under; a receiver whose RX state
 *   differs gets EBADMSG, and the socket is dead from then on;
 * - setting TLS_TX/TLS_RX a second time: EBUSY on TLS 1.2 or where rekey is off (Linux < 6.14),
 *   EINVAL if version or cipher change (or differ from the other direction); a 4-byte header
 *   alone is answered the same way (EBUSY first where rekey is off);
 * - after a handshake record whose first byte is KeyUpdate has been read, reads fail with
 *   EKEYEXPIRED until TLS_RX is set (only where rekey is on: older kernels do not look);
 * - TX never pauses; one recvmsg never mixes record types; data records may be merged;
 * - a failed setsockopt leaves the state unchanged;
 * - a record that fails authentication sets the socket error: sends fail with EBADMSG until
 *   SO_ERROR is read (clear_error); an empty record is received as 0 bytes with its type;
 * - getsockopt returns the live state, key included.
 * Descriptors 0 and 1 are the two ends. Everything is in memory; nothing blocks (EAGAIN). */
#ifndef KTLS_TEST_KERNEL_DOUBLE_H
#define KTLS_TEST_KERNEL_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#include "ktls-internal.h"

struct kernel_double;

struct kernel_double *kernel_double_new(int rekey_supported);
void kernel_double_free(struct kernel_double *d);
/* The ops to give ktls_conn_open_sys(), bound to this double. */
struct ktls_sys kernel_double_sys(struct kernel_double *d);
/* Make every send from end fd fail with err (0: send again), as a reset connection does. */
void kernel_double_fail_sends(struct kernel_double *d, int fd, int err);
/* Make the next TLS_TX (dir 1) or TLS_RX (dir 2) setsockopt on end fd fail with err, once. */
void kernel_double_fail_next_set(struct kernel_double *d, int fd, int dir, int err);
/* Records waiting to be read by end fd. */
size_t kernel_double_queued(struct kernel_double *d, int fd);
/* Number of successful TLS_TX/TLS_RX setsockopts on end fd. */
unsigned kernel_double_sets(struct kernel_double *d, int fd, int dir);
/* 1 when TLS_RX_EXPECT_NO_PAD is on for end fd. */
int kernel_double_rx_no_pad(struct kernel_double *d, int fd);

#endif
