/* The installed header alone, as strict C99: this file is built with -std=c99 -pedantic -Werror. */
#include <ktls.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct ktls_suite_info info = { .sz = sizeof info }; /* the documented idiom */
	struct ktls_secrets none = { 0 };

	(void)none;
	if (ktls_suite_info(0x1301, &info) != 0)
		return 1;
	printf("C99: %s, %s\n", ktls_version(), info.name);
	return strcmp(ktls_version(), LIBKTLS_VERSION_STRING) != 0;
}
