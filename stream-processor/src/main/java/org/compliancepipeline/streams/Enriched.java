package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.EnrichedRecord;

/**
 * An enriched record on its way through the topology, with the bytes its {@code record} was
 * decoded from: {@link EnrichedSerializer} copies them into the output instead of encoding the
 * record again.
 */
record Enriched(EnrichedRecord value, byte[] received) { }
