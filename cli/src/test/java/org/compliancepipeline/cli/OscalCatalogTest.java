package org.compliancepipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Ids;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading OSCAL catalogs: the shipped NIST SP 800-53 rev5 MODERATE baseline, and the shape of any catalog. */
class OscalCatalogTest {
    static final Path NIST = ReferenceData.root().resolve("reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json");
    static OscalCatalog.Result moderate;
    static Map<String, ControlDefinition> byId;

    @BeforeAll
    static void read() throws IOException {
        moderate = OscalCatalog.read(NIST, new OscalCatalog.Options("nist-800-53-r5", List.of("MODERATE"), 1.0, 0.5));
        byId = moderate.controls().stream().collect(Collectors.toMap(ControlDefinition::getControlId, Function.identity()));
    }

    @Test
    void theModerateBaselineHas287ControlsIn18Families() {
        assertThat(moderate.title()).isEqualTo("NIST Special Publication 800-53 Revision 5.1.1 MODERATE IMPACT BASELINE");
        assertThat(moderate.controls()).hasSize(287);
        assertThat(moderate.enhancements()).isEqualTo(110);
        assertThat(moderate.families()).isEqualTo(18);
        assertThat(moderate.withdrawn()).isZero();
        assertThat(moderate.skipped()).isEmpty();
        assertThat(moderate.controls()).allSatisfy(c -> {
            assertThat(Ids.isId(c.getControlId())).isTrue();
            assertThat(c.getFramework()).isEqualTo("nist-800-53-r5");
            assertThat(c.getBaselines()).containsExactly("MODERATE");
        });
    }

    @Test
    void aBaseControlHasItsFamilyTitleStatementAndObjectives() {
        ControlDefinition ac2 = byId.get("ac-2");
        assertThat(ac2.getTitle()).isEqualTo("Account Management");
        assertThat(ac2.getFamily()).isEqualTo("ac");
        assertThat(ac2.getFamilyTitle()).isEqualTo("Access Control");
        assertThat(ac2.getParentControlId()).isNull();
        assertThat(ac2.getWeight()).isEqualTo(1.0);
        assertThat(ac2.getStatement()).startsWith("a. Define and document the types of accounts allowed and specifically prohibited for use within the system;");
        assertThat(ac2.getStatement()).contains("\nc. Require [Assignment: prerequisites and criteria] for group and role membership;\nd. Specify:\n  1. Authorized users of the system;");
        assertThat(ac2.getObjectives()).first().isEqualTo("ac-2_obj.a-1: account types allowed for use within the system are defined and documented;");
        assertThat(ac2.getObjectives()).anyMatch(o -> o.startsWith("ac-2_obj.c: ") && o.contains("[Assignment: prerequisites and criteria]"));
    }

    @Test
    void anEnhancementNamesItsParentAndWeighsHalf() {
        ControlDefinition ac21 = byId.get("ac-2.1");
        assertThat(ac21.getTitle()).isEqualTo("Automated System Account Management");
        assertThat(ac21.getParentControlId()).isEqualTo("ac-2");
        assertThat(ac21.getFamily()).isEqualTo("ac");
        assertThat(ac21.getWeight()).isEqualTo(0.5);
        assertThat(ac21.getStatement()).isEqualTo("Support the management of system accounts using [Assignment: automated mechanisms].");
    }

    @Test
    void selectionsAreRenderedWithTheirChoicesAndItemsAreNested() {
        ControlDefinition ac1 = byId.get("ac-1");
        assertThat(ac1.getStatement()).contains("a. Develop, document, and disseminate to [Assignment: organization-defined personnel or roles]:\n"
                + "  1. [Selection (one or more): organization-level; mission/business process-level; system-level] access control policy that:\n"
                + "    (a) Addresses purpose, scope, roles,");
        assertThat(byId.get("ac-6").getObjectives()).containsExactly("ac-6_obj: the principle of least privilege is employed, allowing only "
                + "authorized accesses for users (or processes acting on behalf of users) that are necessary to accomplish assigned organizational tasks.");
    }

    @Test
    void aSelectionHoldingAnotherParameterIsRenderedInside() {
        assertThat(byId.get("ac-11").getStatement()).doesNotContain("{{").contains("[Selection");
        assertThat(moderate.controls()).allSatisfy(c -> {
            assertThat(c.getStatement()).doesNotContain("{{ insert");
            assertThat(c.getObjectives()).noneMatch(o -> o.contains("{{ insert"));
        });
    }

    @Test
    void nestedGroupsBelongToTheirOutermostGroupAsFamily() throws IOException {
        OscalCatalog.Result basic = OscalCatalog.read(Path.of("/work/shared/data/oscal/basic-catalog.json").toFile().exists()
                ? Path.of("/work/shared/data/oscal/basic-catalog.json") : writeBasicCatalog(), OscalCatalog.Options.defaults("iso-27002-excerpt"));
        assertThat(basic.controls()).isNotEmpty();
        ControlDefinition s111 = basic.controls().stream().filter(c -> c.getControlId().equals("s1.1.1")).findFirst().orElseThrow();
        assertThat(s111.getFamily()).isEqualTo("s1");
        assertThat(s111.getFamilyTitle()).isEqualTo("Organization of Information Security");
        assertThat(s111.getStatement()).contains("All information security responsibilities should be defined and allocated.");
        assertThat(s111.getObjectives()).first().asString().startsWith("s1.1.1_gdn.1: Allocation of information security responsibilities");
    }

    @Test
    void withdrawnControlsAreLeftOutAndAWeightPropertyWins() throws IOException {
        String json = """
                {"catalog": {"uuid": "x", "metadata": {"title": "T", "version": "1"}, "groups": [{"id": "xy", "title": "XY", "controls": [
                  {"id": "xy-1", "title": "One", "props": [{"name": "weight", "value": "3"}],
                   "parts": [{"id": "xy-1_smt", "name": "statement", "prose": "Do {{ insert: param, xy-1_prm_1 }}."}],
                   "params": [{"id": "xy-1_prm_1", "values": ["daily"]}],
                   "controls": [{"id": "xy-1.1", "title": "One point one"}]},
                  {"id": "xy-2", "title": "Two", "props": [{"name": "status", "value": "withdrawn"}]}
                ]}]}}
                """;
        OscalCatalog.Result r = OscalCatalog.parse(new ObjectMapper().readTree(json), OscalCatalog.Options.defaults("fw"));
        assertThat(r.controls()).extracting(ControlDefinition::getControlId).containsExactly("xy-1", "xy-1.1");
        assertThat(r.withdrawn()).isEqualTo(1);
        assertThat(r.controls().get(0).getWeight()).isEqualTo(3.0);
        assertThat(r.controls().get(0).getStatement()).isEqualTo("Do daily.");
        assertThat(r.controls().get(1).getWeight()).isEqualTo(0.5);
        assertThat(r.controls().get(1).getStatement()).isNull();
    }

    @Test
    void aDocumentThatIsNotACatalogIsRefused() {
        assertThatThrownBy(() -> OscalCatalog.parse(new ObjectMapper().readTree("{\"profile\": {}}"), OscalCatalog.Options.defaults("fw")))
                .hasMessageContaining("not an OSCAL catalog");
    }

    private static Path writeBasicCatalog() throws IOException {
        Path f = Files.createTempFile("basic", ".json");
        Files.writeString(f, """
                {"catalog": {"uuid": "x", "metadata": {"title": "Basic", "version": "1"}, "groups": [{"id": "s1",
                 "title": "Organization of Information Security", "groups": [{"id": "s1.1", "title": "Internal Organization",
                 "controls": [{"id": "s1.1.1", "title": "Information security roles and responsibilities", "parts": [
                   {"id": "s1.1.1_stm", "name": "statement", "prose": "All information security responsibilities should be defined and allocated."},
                   {"id": "s1.1.1_gdn", "name": "guidance", "parts": [{"id": "s1.1.1_gdn.1", "name": "objective",
                    "prose": "Allocation of information security responsibilities should be done."}]}]}]}]}]}}
                """);
        return f;
    }
}
