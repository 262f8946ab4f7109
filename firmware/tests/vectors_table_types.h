/* Types of the generated golden-vector table (build/gen/vectors_table.h). */
#ifndef VECTORS_TABLE_TYPES_H
#define VECTORS_TABLE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "sb_protocol.h"

typedef enum {
    SB_VECTOR_SAMPLE_PACKET,
    SB_VECTOR_STATUS,
    SB_VECTOR_COMMAND,
    SB_VECTOR_RESPONSE,
    SB_VECTOR_LOG_PAGE,
    SB_VECTOR_MANUFACTURER_DATA,
} sb_vector_kind_t;

typedef struct {
    const char *name;
    sb_vector_kind_t kind;
    const uint8_t *bytes;
    size_t length;
    int expected;       /* SB_OK when fields is set; else the sb_err_t (or, for commands, sb_result_t) */
    const void *fields; /* the decoded value of the vector's kind, or NULL for an invalid vector */
} sb_vector_t;

#endif
