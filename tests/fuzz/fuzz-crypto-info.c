/* SPDX-License-Identifier: MIT */
/* Fuzz target for the crypto-info builder and the key schedule over every suite libktls knows
 * and every length: input = suite index, four lengths, sequence number, then key material.
 * Whatever the lengths, a call either fails cleanly or writes exactly what the suite says, and
 * a failed call leaves its output untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ktls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t suites[256];
	uint8_t material[128], out[KTLS_CRYPTO_INFO_MAX + 8], key[64], iv[64];
	size_t n = ktls_suite_list(suites, 256);

	if (size < 13 || n == 0)
		return 0;
	uint16_t suite = data[0] & 0x80 ? (uint16_t)(data[1] << 8 | data[2]) : suites[data[0] % n];
	size_t secret_len = data[3] % 64, key_len = data[4] % 64, iv_len = data[5] % 64;
	size_t buf_len = data[6] % sizeof(out);
	uint64_t seq = 0;
	for (int i = 0; i < 6; i++)
		seq = seq << 8 | data[7 + i];
	memset(material, 0, sizeof(material));
	memcpy(material, data + 13, size - 13 < sizeof(material) ? size - 13 : sizeof(material));

	struct ktls_suite_info si = { .sz = sizeof(si) };
	int known = ktls_suite_info(suite, &si) == 0;
	const struct ktls_secrets s = {
		.secret = secret_len ? material : NULL, .secret_len = secret_len,
		.key = key_len ? material + 64 : NULL, .key_len = key_len,
		.iv = iv_len ? material + 32 : NULL, .iv_len = iv_len,
	};
	memset(out, 0xA5, sizeof(out));
	ssize_t r = ktls_crypto_info(suite, &s, seq, out, buf_len);
	if (r >= 0 && (!known || (size_t)r != si.crypto_info_len || (size_t)r > buf_len))
		abort();
	for (size_t i = r >= 0 ? (size_t)r : 0; i < sizeof(out); i++)
		if (out[i] != 0xA5)
			abort(); /* written past what was returned, or on failure */

	size_t kl = data[4] % sizeof(key), il = data[5] % sizeof(iv);
	memset(key, 0xA5, sizeof(key));
	int d = ktls_derive_keys(suite, material, secret_len, key, &kl, iv, &il);
	if (d == 0 && (kl != si.key_len || il != KTLS_IV_LEN))
		abort();
	for (size_t i = 0; d < 0 && i < sizeof(key); i++)
		if (key[i] != 0xA5)
			abort(); /* out-parameters untouched on failure */
	uint8_t next[64];
	if (ktls_update_secret(suite, material, secret_len, next) == 0 && secret_len != si.hash_len)
		abort();
	return 0;
}
