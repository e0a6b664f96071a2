/* rxca-token info: the certificate on the token, and its OCSP status
 * asked of the responder it names. */
#ifndef RXCA_TOKCMD_INFO_H
#define RXCA_TOKCMD_INFO_H

#include "token/tokcmd.h"

int tokcmd_info(const struct tokcmd_opts *o);

#endif
