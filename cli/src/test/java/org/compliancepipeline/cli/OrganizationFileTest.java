package org.compliancepipeline.cli;

import org.compliancepipeline.schemas.Organization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Organisations from JSON or CSV: everything checked, every problem reported with its place. */
class OrganizationFileTest {

    @Test
    void theShippedSampleHasTwentyOrganisationsSomeSaudi() throws IOException {
        OrganizationFile.Result r = OrganizationFile.read(ReferenceData.root().resolve("reference-data/orgs/sample-orgs.json"));

        assertThat(r.problems()).isEmpty();
        assertThat(r.organizations()).hasSize(20);
        assertThat(r.organizations()).filteredOn(o -> o.getRegion().startsWith("sa-")).hasSizeGreaterThanOrEqualTo(10);
        Organization bank = r.organizations().getFirst();
        assertThat(bank.getOrgId()).isEqualTo("riyadh-national-bank");
        assertThat(bank.getSector()).isEqualTo("banking");
        assertThat(bank.getFrameworks()).contains("sama-csf", "nca-ecc-2", "pdpl");
    }

    @Test
    void csvWithQuotedCommasAndFrameworksSeparatedBySemicolons() {
        String csv = """
                orgId,name,sector,region,frameworks
                acme,"Acme, Inc.",technology,us-east,nist-800-53-r5;iso-27001-2022
                najd-health,"Najd ""Health"" Cluster",healthcare,sa-riyadh,
                """;
        OrganizationFile.Result r = OrganizationFile.parseCsv(csv);

        assertThat(r.problems()).isEmpty();
        assertThat(r.organizations()).extracting(Organization::getName).containsExactly("Acme, Inc.", "Najd \"Health\" Cluster");
        assertThat(r.organizations().get(0).getFrameworks()).containsExactly("nist-800-53-r5", "iso-27001-2022");
        assertThat(r.organizations().get(1).getFrameworks()).isEmpty();
    }

    @Test
    void everyProblemIsReportedWithItsPlaceAndNothingIsLoaded() {
        String json = """
                [{"orgId": "ok", "name": "Fine"},
                 {"orgId": "bad id/", "name": "X"},
                 {"orgId": "ok", "name": "Again"},
                 {"orgId": "nameless"},
                 {"orgId": "typo", "name": "T", "secter": "banking"}]
                """;
        OrganizationFile.Result r = OrganizationFile.parseJson(json);

        assertThat(r.valid()).isFalse();
        assertThat(r.problems()).containsExactly(
                "organizations[1].orgId: 'bad id/' is not an id (1-128 letters, digits and . _ ( ) -)",
                "organizations[2].orgId: 'ok' appears twice",
                "organizations[3].name: is required",
                "organizations[4].secter: unknown field (expected orgId, name, sector, region, frameworks)");
    }

    @Test
    void aCsvRowWithABadIdIsReportedByLine() {
        OrganizationFile.Result r = OrganizationFile.parseCsv("orgId,name\nacme,Acme\n,Nobody\n");
        assertThat(r.problems()).containsExactly("line 3.orgId: is required");
    }
}
