// The installed header alone, as C++ (-pedantic -Werror).
#include <ktls.h>

#include <cstdio>
#include <cstring>

int main()
{
	struct ktls_suite_info info = {}; // "struct": the function of the same name hides the tag, as with stat
	info.sz = sizeof info;
	if (ktls_suite_info(0x1302, &info) != 0)
		return 1;
	std::printf("C++: %s, %s\n", ktls_version(), info.name);
	return std::strcmp(info.name, "TLS_AES_256_GCM_SHA384") != 0;
}
