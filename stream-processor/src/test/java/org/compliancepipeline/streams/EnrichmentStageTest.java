package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;

/** Stages 3 and 4, enrichment: what the control catalog and the organisation registry add; nothing is dropped. */
class EnrichmentStageTest {
    @TempDir Path state;
    PipelineDriver p;

    @BeforeEach
    void start() {
        p = new PipelineDriver(state);
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void aKnownControlAndOrganisationFillTheContext() {
        p.send(record("r-1").setControlId("ac-2.1").build(), NOW.minusMillis(250));

        var out = p.enriched.readRecord();
        EnrichedRecord e = out.value();
        assertThat(out.key()).isEqualTo("acme");
        assertThat(e.getControl().getTitle()).isEqualTo("Automated System Account Management");
        assertThat(e.getControl().getFamily()).isEqualTo("ac");
        assertThat(e.getControl().getFamilyTitle()).isEqualTo("Access Control");
        assertThat(e.getControl().getParentControlId()).isEqualTo("ac-2");
        assertThat(e.getControl().getBaselines()).containsExactly("MODERATE");
        assertThat(e.getControl().getWeight()).isEqualTo(0.5);
        assertThat(e.getControl().getStatement()).isEqualTo("The organization ...");
        assertThat(e.getOrganization().getName()).isEqualTo("Acme Corp");
        assertThat(e.getOrganization().getSector()).isEqualTo("technology");
        assertThat(e.getOrganization().getRegion()).isEqualTo("us-east");
        assertThat(e.getFlags()).isEmpty();
        assertThat(e.getIngestedAt()).as("the input record's Kafka timestamp").isEqualTo(NOW.minusMillis(250));
        assertThat(e.getEnrichedAt()).as("processing time").isEqualTo(NOW);
        assertThat(e.getRecord()).isEqualTo(record("r-1").setControlId("ac-2.1").build());
    }

    @Test
    void anUnknownControlIsFlaggedCountedAndPassedOn() {
        p.send(record("r-1").setControlId("zz-99").build());

        EnrichedRecord e = p.enriched.readValue();
        assertThat(e.getRecord().getControlId()).isEqualTo("zz-99");
        assertThat(e.getControl()).isNull();
        assertThat(e.getFlags()).containsExactly(EnrichmentFlag.UNKNOWN_CONTROL);
        assertThat(e.getOrganization()).isNotNull();
        assertThat(p.counter("stream.processor.enrichment.flags", "flag", "UNKNOWN_CONTROL")).isEqualTo(1);
    }

    @Test
    void anUnknownOrganisationIsFlaggedCountedAndPassedOn() {
        p.send(record("r-1").setOrgId("newco").build());

        EnrichedRecord e = p.enriched.readValue();
        assertThat(e.getOrganization()).isNull();
        assertThat(e.getFlags()).containsExactly(EnrichmentFlag.UNKNOWN_ORG);
        assertThat(p.counter("stream.processor.enrichment.flags", "flag", "UNKNOWN_ORG")).isEqualTo(1);
    }

    @Test
    void aFrameworkTheOrganisationHasNotAdoptedIsFlagged() {
        p.send(record("r-1").setOrgId("riyadh-bank").build());

        assertThat(p.enriched.readValue().getFlags()).containsExactly(EnrichmentFlag.FRAMEWORK_NOT_ADOPTED);
    }

    @Test
    void referenceDataLoadedLaterEnrichesLaterRecords() {
        p.send(record("r-1").setControlId("ac-17").build());
        p.control("ac-17", "Remote Access", null, 1.0);
        p.advanceWallClock(Duration.ofSeconds(1));
        p.send(record("r-2").setControlId("ac-17").build());

        List<EnrichedRecord> out = p.enriched.readValuesToList();
        assertThat(out.get(0).getFlags()).containsExactly(EnrichmentFlag.UNKNOWN_CONTROL);
        assertThat(out.get(1).getFlags()).isEmpty();
        assertThat(out.get(1).getControl().getTitle()).isEqualTo("Remote Access");
    }
}
