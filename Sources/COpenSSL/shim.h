#ifndef INLET_COpenSSL_SHIM_H
#define INLET_COpenSSL_SHIM_H
#include <openssl/evp.h>
#endif
