/* An installed libktls-gnutls, used through its header and pkg-config file alone (built as
 * strict C99 and as C++ by check-companions.sh). */
#include <ktls-gnutls.h>

#include <errno.h>
#include <stdio.h>

int main(void)
{
	gnutls_session_t session;
	struct ktls_conn *conn = NULL;
	int r;

	if (gnutls_init(&session, GNUTLS_CLIENT) != 0 || ktls_gnutls_prepare(session) != 0)
		return 1;
	r = ktls_gnutls_handoff(session, -1, NULL, &conn); /* no handshake, no socket */
	printf("libktls-gnutls: prepare ok, hand-off before the handshake: %s\n", ktls_strerror(r));
	ktls_gnutls_discard(session);
	gnutls_deinit(session);
	return r < 0 && !conn ? 0 : 1;
}
