package org.compliancepipeline.ingest.records;

import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.FieldError;

import java.util.List;

/** One record of a request after validation: ready to produce, or every reason it is not. */
public sealed interface Candidate {

    /** The org the record names, as written (for the API key's org check); null when it names none. */
    String orgId();

    record Valid(ComplianceRecord record) implements Candidate {
        @Override
        public String orgId() {
            return record.getOrgId();
        }
    }

    record Invalid(List<FieldError> errors, String orgId) implements Candidate {
        public Invalid {
            errors = List.copyOf(errors);
        }
    }
}
