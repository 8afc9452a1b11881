/* An installed libktls-openssl, used through its header and pkg-config file alone (built as
 * strict C99 and as C++ by check-companions.sh). */
#include <ktls-openssl.h>

#include <errno.h>
#include <stdio.h>

int main(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;
	struct ktls_conn *conn = NULL;
	int r;

	if (!ctx || ktls_openssl_prepare(ctx) != 0)
		return 1;
	ssl = SSL_new(ctx);
	r = ktls_openssl_handoff(ssl, -1, NULL, &conn); /* no handshake yet */
	printf("libktls-openssl: prepare ok, hand-off before the handshake: %s\n", ktls_strerror(r));
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return r == -EINPROGRESS ? 0 : 1;
}
