package org.compliancepipeline.sink.timescale;

/** An enriched record kept as the bytes it arrived in, for {@link EnrichedTranscoder}. */
record RawEnriched(byte[] bytes) {
}
