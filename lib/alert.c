/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/socket.h>

#include "ktls-internal.h"

LIBKTLS_API const char *ktls_alert_name(uint8_t description)
{
	switch (description) {
	case KTLS_ALERT_CLOSE_NOTIFY: return "close_notify";
	case KTLS_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
	case KTLS_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
	case KTLS_ALERT_RECORD_OVERFLOW: return "record_overflow";
	case KTLS_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
	case KTLS_ALERT_BAD_CERTIFICATE: return "bad_certificate";
	case KTLS_ALERT_UNSUPPORTED_CERTIFICATE: return "unsupported_certificate";
	case KTLS_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
	case KTLS_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
	case KTLS_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
	case KTLS_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
	case KTLS_ALERT_UNKNOWN_CA: return "unknown_ca";
	case KTLS_ALERT_ACCESS_DENIED: return "access_denied";
	case KTLS_ALERT_DECODE_ERROR: return "decode_error";
	case KTLS_ALERT_DECRYPT_ERROR: return "decrypt_error";
	case KTLS_ALERT_PROTOCOL_VERSION: return "protocol_version";
	case KTLS_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
	case KTLS_ALERT_INTERNAL_ERROR: return "internal_error";
	case KTLS_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
	case KTLS_ALERT_USER_CANCELED: return "user_canceled";
	case KTLS_ALERT_NO_RENEGOTIATION: return "no_renegotiation";
	case KTLS_ALERT_MISSING_EXTENSION: return "missing_extension";
	case KTLS_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
	case KTLS_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
	case KTLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE: return "bad_certificate_status_response";
	case KTLS_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
	case KTLS_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
	case KTLS_ALERT_NO_APPLICATION_PROTOCOL: return "no_application_protocol";
	}
	return "unknown";
}

LIBKTLS_API int ktls_send_alert(int fd, uint8_t level, uint8_t description)
{
	const uint8_t alert[2] = { level, description };
	ssize_t n = ktls_send_record(fd, KTLS_RECORD_ALERT, alert, sizeof(alert), 0);

	if (n < 0)
		return (int)n;
	return n == sizeof(alert) ? 0 : -EIO;
}

LIBKTLS_API int ktls_shutdown(int fd)
{
	int r = ktls_send_alert(fd, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY);

	if (r < 0)
		return r;
	return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
}
