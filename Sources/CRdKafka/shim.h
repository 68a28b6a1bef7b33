#ifndef INLET_CRdKafka_SHIM_H
#define INLET_CRdKafka_SHIM_H
#include <librdkafka/rdkafka.h>

// rd_kafka_producev is variadic, which Swift cannot call. This typed wrapper produces one message with an optional
// key, optional headers (ownership passes to librdkafka on success only) and a per-message opaque that comes back
// in the delivery report. The payload and key are copied (RD_KAFKA_MSG_F_COPY). `partition` -1 lets the
// partitioner choose.
static inline rd_kafka_resp_err_t inlet_rd_kafka_produce(rd_kafka_t *rk,
                                                        const char *topic,
                                                        int32_t partition,
                                                        const void *payload, size_t payload_len,
                                                        const void *key, size_t key_len,
                                                        rd_kafka_headers_t *headers,
                                                        void *msg_opaque) {
    if (headers == NULL) {
        return rd_kafka_producev(rk,
                                 RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_VALUE((void *)payload, payload_len),
                                 RD_KAFKA_V_KEY(key, key_len),
                                 RD_KAFKA_V_OPAQUE(msg_opaque),
                                 RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_VALUE((void *)payload, payload_len),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_OPAQUE(msg_opaque),
                             RD_KAFKA_V_END);
}

#endif
