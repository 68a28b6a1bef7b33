#ifndef INLET_CCurl_SHIM_H
#define INLET_CCurl_SHIM_H
#include <curl/curl.h>
#endif
