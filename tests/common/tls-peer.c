/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hex.h"
#include "tls-peer.h"

static EVP_PKEY *pkey;
static X509 *cert;

struct keylog {
	uint8_t client[KTLS_SECRET_MAX], server[KTLS_SECRET_MAX];
	size_t len;
};

static int keylog_index = -1;

int tls_peer_init(void)
{
	if (cert)
		return 0;
	keylog_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	pkey = EVP_EC_gen("P-256");
	cert = X509_new();
	if (!pkey || !cert)
		return -1;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, pkey);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"libktls-test", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	return X509_sign(cert, pkey, EVP_sha256()) > 0 ? 0 : -1;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	struct keylog *kl = SSL_get_ex_data(ssl, keylog_index);
	char label[64];
	const char *secret;

	if (!kl || sscanf(line, "%63s", label) != 1 || !(secret = strrchr(line, ' ')))
		return;
	if (strcmp(label, "CLIENT_TRAFFIC_SECRET_0") == 0)
		kl->len = hex_decode(secret, kl->client, sizeof(kl->client));
	else if (strcmp(label, "SERVER_TRAFFIC_SECRET_0") == 0)
		kl->len = hex_decode(secret, kl->server, sizeof(kl->server));
}

SSL_CTX *tls_peer_ctx(int server, uint16_t suite)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };

	if (tls_peer_init() < 0 || ktls_suite_info(suite, &si) < 0)
		return NULL;
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx)
		return NULL;
	int v = si.tls_version == KTLS_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	int ok;
	if (v == TLS1_3_VERSION) {
		ok = SSL_CTX_set_ciphersuites(ctx, si.name);
	} else {
		const char *ossl = OPENSSL_cipher_name(si.name);
		ok = ossl && strcmp(ossl, "(NONE)") != 0 && SSL_CTX_set_cipher_list(ctx, ossl);
		/* Only ECDHE-ECDSA suites can be negotiated with our certificate. */
		STACK_OF(SSL_CIPHER) *list = ok ? SSL_CTX_get_ciphers(ctx) : NULL;
		const SSL_CIPHER *c = NULL;
		for (int i = 0; i < sk_SSL_CIPHER_num(list); i++)
			if (SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(list, i)) == suite)
				c = sk_SSL_CIPHER_value(list, i);
		ok = c && SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa && SSL_CIPHER_get_kx_nid(c) == NID_kx_ecdhe;
	}
	if (ok && server)
		ok = SSL_CTX_use_certificate(ctx, cert) && SSL_CTX_use_PrivateKey(ctx, pkey);
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL *tls_peer_new(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	struct keylog *kl = OPENSSL_zalloc(sizeof(*kl));

	if (!ssl || !kl || !SSL_set_fd(ssl, fd) || !SSL_set_ex_data(ssl, keylog_index, kl)) {
		OPENSSL_free(kl);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static void *connect_thread(void *arg)
{
	return SSL_connect(arg) == 1 ? arg : NULL;
}

int tls_peer_handshake(SSL_CTX *cctx, SSL_CTX *sctx, int cfd, int sfd, SSL **client, SSL **server)
{
	SSL *c = tls_peer_new(cctx, cfd), *s = tls_peer_new(sctx, sfd);
	pthread_t t;
	void *cret = NULL;

	if (!c || !s || pthread_create(&t, NULL, connect_thread, c) != 0)
		goto fail;
	int sret = SSL_accept(s);
	pthread_join(t, &cret);
	if (sret != 1 || !cret)
		goto fail;
	*client = c;
	*server = s;
	return 0;
fail:
	ERR_print_errors_fp(stderr);
	tls_peer_free(c);
	tls_peer_free(s);
	return -1;
}

void tls_peer_free(SSL *ssl)
{
	if (!ssl)
		return;
	OPENSSL_clear_free(SSL_get_ex_data(ssl, keylog_index), sizeof(struct keylog));
	SSL_free(ssl);
}

int tls_peer_keys(SSL *ssl, uint16_t suite, struct tls_side_keys *k)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	int is_client = !SSL_is_server(ssl);

	memset(k, 0, sizeof(*k));
	if (ktls_suite_info(suite, &si) < 0 || SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl)) != suite)
		return -1;
	if (si.tls_version == KTLS_TLS_1_3) {
		struct keylog *kl = SSL_get_ex_data(ssl, keylog_index);
		if (!kl || kl->len != si.hash_len)
			return -1;
		memcpy(k->tx_secret, is_client ? kl->client : kl->server, kl->len);
		memcpy(k->rx_secret, is_client ? kl->server : kl->client, kl->len);
		k->tx = (struct ktls_secrets){ .secret = k->tx_secret, .secret_len = kl->len };
		k->rx = (struct ktls_secrets){ .secret = k->rx_secret, .secret_len = kl->len };
		return 0;
	}

	uint8_t master[KTLS_TLS12_MASTER_SECRET_LEN], cr[KTLS_TLS12_RANDOM_LEN], sr[KTLS_TLS12_RANDOM_LEN];
	size_t kl = si.key_len, il = si.iv_len, blen = 2 * (kl + il);
	if (SSL_SESSION_get_master_key(SSL_get_session(ssl), master, sizeof(master)) != sizeof(master) ||
	    SSL_get_client_random(ssl, cr, sizeof(cr)) != sizeof(cr) ||
	    SSL_get_server_random(ssl, sr, sizeof(sr)) != sizeof(sr) ||
	    ktls_tls12_key_block(suite, master, sizeof(master), cr, sr, k->block, blen) < 0)
		return -1;
	OPENSSL_cleanse(master, sizeof(master));
	const uint8_t *ckey = k->block, *skey = ckey + kl, *civ = skey + kl, *siv = civ + il;
	struct ktls_secrets client = { .key = ckey, .key_len = kl, .iv = civ, .iv_len = il };
	struct ktls_secrets server = { .key = skey, .key_len = kl, .iv = siv, .iv_len = il };
	k->tx = is_client ? client : server;
	k->rx = is_client ? server : client;
	/* Each side's Finished was record 0 under the new keys. */
	k->tx_seq = k->rx_seq = 1;
	return 0;
}

int tls_peer_write_all(SSL *ssl, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n;
		if (SSL_write_ex(ssl, (const uint8_t *)buf + done, len - done, &n) != 1)
			return -1;
		done += n;
	}
	return 0;
}

int tls_peer_read_all(SSL *ssl, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n;
		if (SSL_read_ex(ssl, (uint8_t *)buf + done, len - done, &n) != 1)
			return -1;
		done += n;
	}
	return 0;
}
