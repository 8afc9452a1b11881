/* SPDX-License-Identifier: MIT */
/* A JSON writer for the ktls tool: commas placed by nesting, strings escaped, real booleans. */
#ifndef KTLS_TOOL_JSON_H
#define KTLS_TOOL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *out;
	int depth;
	int members[JSON_DEPTH_MAX]; /* written so far at each open level */
};

/* Each takes the member's key inside an object, NULL inside an array or at the top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_bool(struct json *j, const char *key, int value);
void json_int(struct json *j, const char *key, long long value);
void json_uint(struct json *j, const char *key, unsigned long long value);
void json_null(struct json *j, const char *key);

#endif
