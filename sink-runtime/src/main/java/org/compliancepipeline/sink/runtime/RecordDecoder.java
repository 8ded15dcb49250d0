package org.compliancepipeline.sink.runtime;

import org.apache.kafka.common.header.Headers;

/** Decodes a consumed value; throws when the bytes are not a valid record (the runtime dead-letters it). */
@FunctionalInterface
public interface RecordDecoder<V> {
    V decode(String topic, Headers headers, byte[] value);
}
