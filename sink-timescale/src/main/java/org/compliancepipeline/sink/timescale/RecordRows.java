package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.OrganizationContext;

/** One {@code compliance_records} row per enriched record, in COPY text format. */
final class RecordRows {
    private RecordRows() { }

    static final String COLUMNS = "record_id, org_id, framework, control_id, objective_id, status, score, observed_at, source, method, "
            + "subject, title, description, evidence_uris, tags, control_title, family, family_title, parent_control_id, baselines, "
            + "weight, org_name, sector, region, flags, ingested_at, enriched_at";

    static final int FIELDS = 27;

    /** The same row in the binary COPY format (what the sink writes). */
    static void append(CopyBinary row, EnrichedRecord e) {
        ComplianceRecord r = e.getRecord();
        ControlContext c = e.getControl();
        OrganizationContext o = e.getOrganization();
        row.startRow();
        row.text(r.getRecordId()).text(r.getOrgId()).text(r.getFramework()).text(r.getControlId()).text(r.getObjectiveId())
                .label(r.getStatus().name()).number(r.getScore()).time(r.getObservedAt()).text(r.getSource()).text(r.getMethod().name())
                .text(r.getSubject()).text(r.getTitle()).text(r.getDescription()).textArray(r.getEvidenceUris()).jsonObject(r.getTags())
                .text(c == null ? null : c.getTitle()).text(c == null ? null : c.getFamily())
                .text(c == null ? null : c.getFamilyTitle()).text(c == null ? null : c.getParentControlId())
                .textArray(c == null ? java.util.List.of() : c.getBaselines()).number(c == null ? null : c.getWeight())
                .text(o == null ? null : o.getName()).text(o == null ? null : o.getSector()).text(o == null ? null : o.getRegion())
                .textArray(e.getFlags()).time(e.getIngestedAt()).time(e.getEnrichedAt());
    }

    /** The row in COPY text format (kept for the benchmark's comparison of the two formats). */
    static void append(CopyText row, EnrichedRecord e) {
        ComplianceRecord r = e.getRecord();
        ControlContext c = e.getControl();
        OrganizationContext o = e.getOrganization();
        row.text(r.getRecordId()).text(r.getOrgId()).text(r.getFramework()).text(r.getControlId()).text(r.getObjectiveId())
                .text(r.getStatus().name()).number(r.getScore()).time(r.getObservedAt()).text(r.getSource()).text(r.getMethod().name())
                .text(r.getSubject()).text(r.getTitle()).text(r.getDescription()).array(r.getEvidenceUris()).json(r.getTags())
                .text(c == null ? null : c.getTitle()).text(c == null ? null : c.getFamily())
                .text(c == null ? null : c.getFamilyTitle()).text(c == null ? null : c.getParentControlId())
                .array(c == null ? java.util.List.of() : c.getBaselines()).number(c == null ? null : c.getWeight())
                .text(o == null ? null : o.getName()).text(o == null ? null : o.getSector()).text(o == null ? null : o.getRegion())
                .array(e.getFlags()).time(e.getIngestedAt()).time(e.getEnrichedAt());
        row.endRow();
    }
}
