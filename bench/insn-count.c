/* SPDX-License-Identifier: MIT */
/*
 * A qemu TCG plugin that counts the guest instructions executed, kernel included: each
 * translated block adds its instruction count to one counter, inline. With one vCPU the count is
 * exact and repeatable; at exit it is written to the file given as out=PATH.
 * With blocks=1 each translated block counts its own runs instead, and the file gets a line per
 * block that ran, "ADDRESS INSTRUCTIONS RUNS" (hex guest address, the block's instructions, its
 * runs); a block translated again has more than one line (insn-profile.py sums them).
 *
 * Debian does not package qemu-plugin.h; these are the few declarations of its plugin API
 * version 1 (qemu 4.2 to 8.x) that this plugin uses.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    void (*cb)(qemu_plugin_id_t id, void *userdata), void *userdata);

#define PLUGIN_EXPORT __attribute__((visibility("default")))

PLUGIN_EXPORT int qemu_plugin_version = 1;
PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				      char **argv);

struct block {
	uint64_t address, runs;
	size_t instructions;
	struct block *next;
};

static uint64_t instructions;
static struct block *blocks; /* with blocks=1 */
static int by_block;
static char out_path[4096];

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	if (!by_block) {
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &instructions,
							 qemu_plugin_tb_n_insns(tb));
		return;
	}
	struct block *b = calloc(1, sizeof(*b));
	if (!b)
		return; /* uncounted: a translation callback cannot fail */
	*b = (struct block){ qemu_plugin_tb_vaddr(tb), 0, qemu_plugin_tb_n_insns(tb), blocks };
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static void finished(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)userdata;
	if (!f)
		return;
	if (!by_block)
		fprintf(f, "%" PRIu64 "\n", instructions);
	for (const struct block *b = blocks; b; b = b->next)
		if (b->runs)
			fprintf(f, "%" PRIx64 " %zu %" PRIu64 "\n", b->address, b->instructions, b->runs);
	fclose(f);
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "out=", 4) == 0)
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
		else if (strcmp(argv[i], "blocks=1") == 0)
			by_block = 1;
	if (!out_path[0])
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, NULL);
	return 0;
}
