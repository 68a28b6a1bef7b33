#ifndef INLET_CLibPQ_SHIM_H
#define INLET_CLibPQ_SHIM_H
#include <libpq-fe.h>

// PG_DIAG_* are character-literal macros, which Swift does not import; typed accessors instead.
static inline int inlet_pq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int inlet_pq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
#endif
