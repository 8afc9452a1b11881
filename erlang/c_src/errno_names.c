/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "errno_names.h"

const struct errno_name errno_names[] = {
	{ EACCES, "eacces" },	      { EADDRINUSE, "eaddrinuse" },	{ EADDRNOTAVAIL, "eaddrnotavail" },
	{ EAGAIN, "eagain" },	      { EALREADY, "ealready" },		{ EBADF, "ebadf" },
	{ EBADFD, "ebadfd" },	      { EBADMSG, "ebadmsg" },		{ EBUSY, "ebusy" },
	{ ECONNABORTED, "econnaborted" }, { ECONNREFUSED, "econnrefused" }, { ECONNRESET, "econnreset" },
	{ EEXIST, "eexist" },	      { EFAULT, "efault" },		{ EHOSTUNREACH, "ehostunreach" },
	{ EINPROGRESS, "einprogress" }, { EINTR, "eintr" },		{ EINVAL, "einval" },
	{ EIO, "eio" },		      { EKEYEXPIRED, "ekeyexpired" },	{ ELIBBAD, "elibbad" },
	{ EMFILE, "emfile" },	      { EMSGSIZE, "emsgsize" },		{ ENETUNREACH, "enetunreach" },
	{ ENFILE, "enfile" },	      { ENOBUFS, "enobufs" },		{ ENODATA, "enodata" },
	{ ENOENT, "enoent" },	      { ENOKEY, "enokey" },		{ ENOMEM, "enomem" },
	{ ENOMSG, "enomsg" },	      { ENOPKG, "enopkg" },		{ ENOPROTOOPT, "enoprotoopt" },
	{ ENOSPC, "enospc" },	      { ENOSYS, "enosys" },		{ ENOTCONN, "enotconn" },
	{ ENOTEMPTY, "enotempty" },   { ENOTRECOVERABLE, "enotrecoverable" }, { ENOTSOCK, "enotsock" },
	{ EOPNOTSUPP, "eopnotsupp" }, { EPERM, "eperm" },		{ EPIPE, "epipe" },
	{ EPROTO, "eproto" },	      { EPROTONOSUPPORT, "eprotonosupport" }, { EPROTOTYPE, "eprototype" },
	{ ESOCKTNOSUPPORT, "esocktnosupport" }, { ESRCH, "esrch" },	{ ETIMEDOUT, "etimedout" },
	{ EXFULL, "exfull" },
};
const size_t errno_names_len = sizeof(errno_names) / sizeof(errno_names[0]);

const char *errno_name(int err)
{
	for (size_t i = 0; i < errno_names_len; i++)
		if (errno_names[i].err == -err)
			return errno_names[i].name;
	return "unknown";
}
