package org.compliancepipeline.streams;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.OrganizationContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Stage 3: what the catalog and the registry know about a record. The two GlobalKTable joins of
 * the topology fill a {@link Lookup}; this processor turns it into the {@link EnrichedRecord}.
 * Nothing is dropped here: an unknown control or organisation is a flag on the record and a
 * metric, and the record goes on (the control may simply not be loaded yet).
 *
 * <p>{@code ingestedAt} is the input record's Kafka timestamp (when the ingest API or the
 * producer handed it to Kafka); {@code enrichedAt} is the processing time.
 */
final class Enrichment implements FixedKeyProcessor<String, Enrichment.Lookup, Enriched> {
    /** Contexts kept per catalog entry (the global tables hand out one instance per distinct value). */
    private static final int CONTEXTS = 20_000;

    /** A record with what the joins found; null where they found nothing. */
    record Lookup(ReceivedRecord received, ControlDefinition control, Organization organization) {
        static Lookup of(ReceivedRecord received, ControlDefinition control) {
            return new Lookup(received, control, null);
        }

        Lookup withOrganization(Organization org) {
            return new Lookup(received, control, org);
        }

        ComplianceRecord record() {
            return received.record();
        }
    }

    private final Map<ControlDefinition, ControlContext> controls = new IdentityHashMap<>();
    private final Map<Organization, OrganizationContext> orgs = new IdentityHashMap<>();

    private final PipelineMetrics metrics;
    private FixedKeyProcessorContext<String, Enriched> context;

    Enrichment(PipelineMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Enriched> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, Lookup> in) {
        Lookup l = in.value();
        ComplianceRecord r = l.record();
        List<EnrichmentFlag> flags = new ArrayList<>(0);
        ControlContext control = null;
        if (l.control() == null) {
            flags.add(EnrichmentFlag.UNKNOWN_CONTROL);
        } else {
            control = context(controls, l.control(), c -> new ControlContext(c.getTitle(), c.getFamily(), c.getFamilyTitle(),
                    c.getParentControlId(), c.getBaselines(), c.getWeight(), c.getStatement()));
        }
        OrganizationContext org = null;
        if (l.organization() == null) {
            flags.add(EnrichmentFlag.UNKNOWN_ORG);
        } else {
            Organization o = l.organization();
            org = context(orgs, o, x -> new OrganizationContext(x.getName(), x.getSector(), x.getRegion()));
            if (!o.getFrameworks().isEmpty() && !o.getFrameworks().contains(r.getFramework())) {
                flags.add(EnrichmentFlag.FRAMEWORK_NOT_ADOPTED);
            }
        }
        flags.forEach(metrics::flagged);
        EnrichedRecord enriched = new EnrichedRecord(r, control, org, flags, Instant.ofEpochMilli(in.timestamp()),
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        context.forward(in.withValue(new Enriched(enriched, l.received().bytes())));
    }

    /** One context per reference value: the same instance lets {@link EnrichedSerializer} encode it once. */
    private static <R, C> C context(Map<R, C> contexts, R reference, Function<R, C> create) {
        C c = contexts.get(reference);
        if (c == null) {
            if (contexts.size() >= CONTEXTS) contexts.clear();
            c = create.apply(reference);
            contexts.put(reference, c);
        }
        return c;
    }
}
