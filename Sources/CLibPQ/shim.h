#ifndef INLET_CLibPQ_SHIM_H
#define INLET_CLibPQ_SHIM_H
#include <libpq-fe.h>
#endif
