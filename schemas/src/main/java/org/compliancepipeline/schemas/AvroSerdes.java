package org.compliancepipeline.schemas;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** One serde per record type, each knowing every released version of its schema. Thread-safe; share them. */
public final class AvroSerdes {
    private AvroSerdes() { }

    public static final AvroSerde<ComplianceRecord> COMPLIANCE_RECORD = of(ComplianceRecord.class, ComplianceRecord.getClassSchema());
    public static final AvroSerde<EnrichedRecord> ENRICHED_RECORD = of(EnrichedRecord.class, EnrichedRecord.getClassSchema());
    public static final AvroSerde<ControlDefinition> CONTROL_DEFINITION = of(ControlDefinition.class, ControlDefinition.getClassSchema());
    public static final AvroSerde<Organization> ORGANIZATION = of(Organization.class, Organization.getClassSchema());
    public static final AvroSerde<ControlStatus> CONTROL_STATUS = of(ControlStatus.class, ControlStatus.getClassSchema());
    public static final AvroSerde<ComplianceScore> COMPLIANCE_SCORE = of(ComplianceScore.class, ComplianceScore.getClassSchema());
    public static final AvroSerde<ComplianceStats> COMPLIANCE_STATS = of(ComplianceStats.class, ComplianceStats.getClassSchema());
    public static final AvroSerde<QueryAudit> QUERY_AUDIT = of(QueryAudit.class, QueryAudit.getClassSchema());

    private static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, Schema schema) {
        return new AvroSerde<>(type, schema, SchemaHistory.load(schema));
    }
}
