#ifndef INLET_CRdKafka_SHIM_H
#define INLET_CRdKafka_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
