/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/tls.h>
#include <string.h>

#include "ktls-internal.h"

static const struct ktls_cipher aes_gcm_128 = { TLS_CIPHER_AES_GCM_128, 16, 8, 4 };
static const struct ktls_cipher aes_gcm_256 = { TLS_CIPHER_AES_GCM_256, 32, 8, 4 };
static const struct ktls_cipher aes_ccm_128 = { TLS_CIPHER_AES_CCM_128, 16, 8, 4 };
static const struct ktls_cipher chacha20 = { TLS_CIPHER_CHACHA20_POLY1305, 32, 12, 0 };
static const struct ktls_cipher sm4_gcm = { TLS_CIPHER_SM4_GCM, 16, 8, 4 };
static const struct ktls_cipher sm4_ccm = { TLS_CIPHER_SM4_CCM, 16, 8, 4 };
static const struct ktls_cipher aria_gcm_128 = { TLS_CIPHER_ARIA_GCM_128, 16, 8, 4 };
static const struct ktls_cipher aria_gcm_256 = { TLS_CIPHER_ARIA_GCM_256, 32, 8, 4 };

#define TLS13(id, c, h, name) { id, KTLS_TLS_1_3, KTLS_HASH_##h, &c, name }
#define TLS12(id, c, h, name) { id, KTLS_TLS_1_2, KTLS_HASH_##h, &c, name }

/* Every IANA AEAD suite whose record cipher Linux implements (tests/unit/test-suites.c checks the
 * names against the fields and against libssl). TLS 1.3 first; ascending within each version. */
static const struct ktls_suite suites[] = {
	TLS13(0x00C6, sm4_gcm, SM3, "TLS_SM4_GCM_SM3"),
	TLS13(0x00C7, sm4_ccm, SM3, "TLS_SM4_CCM_SM3"),
	TLS13(0x1301, aes_gcm_128, SHA256, "TLS_AES_128_GCM_SHA256"),
	TLS13(0x1302, aes_gcm_256, SHA384, "TLS_AES_256_GCM_SHA384"),
	TLS13(0x1303, chacha20, SHA256, "TLS_CHACHA20_POLY1305_SHA256"),
	TLS13(0x1304, aes_ccm_128, SHA256, "TLS_AES_128_CCM_SHA256"),

	TLS12(0x009C, aes_gcm_128, SHA256, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0x009D, aes_gcm_256, SHA384, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0x009E, aes_gcm_128, SHA256, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0x009F, aes_gcm_256, SHA384, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00A0, aes_gcm_128, SHA256, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00A1, aes_gcm_256, SHA384, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00A2, aes_gcm_128, SHA256, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00A3, aes_gcm_256, SHA384, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00A4, aes_gcm_128, SHA256, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00A5, aes_gcm_256, SHA384, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00A6, aes_gcm_128, SHA256, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00A7, aes_gcm_256, SHA384, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00A8, aes_gcm_128, SHA256, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00A9, aes_gcm_256, SHA384, "TLS_PSK_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00AA, aes_gcm_128, SHA256, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00AB, aes_gcm_256, SHA384, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"),
	TLS12(0x00AC, aes_gcm_128, SHA256, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"),
	TLS12(0x00AD, aes_gcm_256, SHA384, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"),
	TLS12(0xC02B, aes_gcm_128, SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0xC02C, aes_gcm_256, SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0xC02D, aes_gcm_128, SHA256, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0xC02E, aes_gcm_256, SHA384, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0xC02F, aes_gcm_128, SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0xC030, aes_gcm_256, SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0xC031, aes_gcm_128, SHA256, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
	TLS12(0xC032, aes_gcm_256, SHA384, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
	TLS12(0xC050, aria_gcm_128, SHA256, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC051, aria_gcm_256, SHA384, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC052, aria_gcm_128, SHA256, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC053, aria_gcm_256, SHA384, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC054, aria_gcm_128, SHA256, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC055, aria_gcm_256, SHA384, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC056, aria_gcm_128, SHA256, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC057, aria_gcm_256, SHA384, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC058, aria_gcm_128, SHA256, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC059, aria_gcm_256, SHA384, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC05A, aria_gcm_128, SHA256, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC05B, aria_gcm_256, SHA384, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC05C, aria_gcm_128, SHA256, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC05D, aria_gcm_256, SHA384, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC05E, aria_gcm_128, SHA256, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC05F, aria_gcm_256, SHA384, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC060, aria_gcm_128, SHA256, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC061, aria_gcm_256, SHA384, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC062, aria_gcm_128, SHA256, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC063, aria_gcm_256, SHA384, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC06A, aria_gcm_128, SHA256, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC06B, aria_gcm_256, SHA384, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC06C, aria_gcm_128, SHA256, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC06D, aria_gcm_256, SHA384, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC06E, aria_gcm_128, SHA256, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"),
	TLS12(0xC06F, aria_gcm_256, SHA384, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"),
	TLS12(0xC09C, aes_ccm_128, SHA256, "TLS_RSA_WITH_AES_128_CCM"),
	TLS12(0xC09E, aes_ccm_128, SHA256, "TLS_DHE_RSA_WITH_AES_128_CCM"),
	TLS12(0xC0A4, aes_ccm_128, SHA256, "TLS_PSK_WITH_AES_128_CCM"),
	TLS12(0xC0A6, aes_ccm_128, SHA256, "TLS_DHE_PSK_WITH_AES_128_CCM"),
	TLS12(0xC0AC, aes_ccm_128, SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
	TLS12(0xCCA8, chacha20, SHA256, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCA9, chacha20, SHA256, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCAA, chacha20, SHA256, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCAB, chacha20, SHA256, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCAC, chacha20, SHA256, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCAD, chacha20, SHA256, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xCCAE, chacha20, SHA256, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	TLS12(0xD001, aes_gcm_128, SHA256, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
	TLS12(0xD002, aes_gcm_256, SHA384, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"),
	TLS12(0xD005, aes_ccm_128, SHA256, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"),
};

#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

static const struct ktls_cipher *const ciphers[] = {
	&aes_gcm_128, &aes_gcm_256, &aes_ccm_128, &chacha20, &sm4_gcm, &sm4_ccm, &aria_gcm_128, &aria_gcm_256,
};

const struct ktls_cipher *ktls_cipher_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (ciphers[i]->type == type)
			return ciphers[i];
	return NULL;
}

const struct ktls_suite *ktls_suite_find(uint16_t id)
{
	for (size_t i = 0; i < N_SUITES; i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

size_t ktls_hash_len(uint8_t hash)
{
	return hash == KTLS_HASH_SHA384 ? 48 : 32;
}

const char *ktls_hash_name(uint8_t hash)
{
	switch (hash) {
	case KTLS_HASH_SHA384:
		return "SHA384";
	case KTLS_HASH_SM3:
		return "SM3";
	default:
		return "SHA256";
	}
}

size_t ktls_cipher_info_len(const struct ktls_cipher *c)
{
	return KTLS_CRYPTO_INFO_HDR + c->iv_len + c->key_len + c->salt_len + KTLS_REC_SEQ_LEN;
}

size_t ktls_suite_iv_len(const struct ktls_suite *s)
{
	if (s->version == KTLS_TLS_1_3 || s->cipher->salt_len == 0)
		return KTLS_IV_LEN;
	return s->cipher->salt_len;
}

LIBKTLS_API int ktls_suite_info(uint16_t suite, struct ktls_suite_info *info)
{
	if (!info)
		return -EFAULT;
	if (info->sz < offsetof(struct ktls_suite_info, name) + sizeof(info->name))
		return -EINVAL;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s)
		return -EPROTONOSUPPORT;

	struct ktls_suite_info out = {
		.suite = s->id,
		.tls_version = s->version,
		.cipher_type = s->cipher->type,
		.hash = s->hash,
		.key_len = s->cipher->key_len,
		.iv_len = ktls_suite_iv_len(s),
		.hash_len = ktls_hash_len(s->hash),
		.crypto_info_len = ktls_cipher_info_len(s->cipher),
		.name = s->name,
	};
	ktls_sized_copy_out(info, &out, sizeof(out));
	return 0;
}

LIBKTLS_API size_t ktls_suite_list(uint16_t *list, size_t capacity)
{
	for (size_t i = 0; i < N_SUITES && i < capacity; i++)
		list[i] = suites[i].id;
	return N_SUITES;
}

LIBKTLS_API size_t ktls_crypto_info_max(void)
{
	return KTLS_CRYPTO_INFO_MAX;
}
