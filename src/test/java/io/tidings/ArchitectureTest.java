package io.tidings;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The packages follow the data flow: arrows point one way, as README's layout table says. */
class ArchitectureTest {

    /** For each package (without {@code io.tidings.}), the other tidings packages it may use. */
    private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
            Map.entry("util", List.of()),
            Map.entry("store", List.of("util")),
            Map.entry("ingest", List.of("store", "util")),
            Map.entry("model", List.of("store", "util")),
            Map.entry("model.serve", List.of("model", "store", "util")),
            Map.entry("model.train", List.of("model", "model.serve", "store", "util")),
            Map.entry("model.offline", List.of("model", "model.serve", "model.train", "store", "util")),
            Map.entry("feed", List.of("model", "model.serve", "store", "util")),
            Map.entry("telegram", List.of("util")),
            Map.entry("render", List.of("telegram", "store", "util")),
            Map.entry("delivery", List.of("render", "telegram", "store", "util")),
            Map.entry("bot", List.of("feed", "render", "telegram", "ingest", "store", "util")),
            Map.entry("cluster", List.of("store", "util")),
            Map.entry("web", List.of("store", "util")),
            Map.entry("console", List.of("ingest", "render", "store", "util")),
            Map.entry("app", List.of("ingest", "feed", "delivery", "render", "telegram", "bot", "model", "model.serve",
                    "model.train", "cluster", "web", "console", "store", "util")),
            Map.entry("testkit.botapi", List.of()),
            Map.entry("testkit.channels", List.of()));

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidings");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.tidings.(**)").should().beFreeOfCycles().check(production);
    }

    @Test
    void everyPackageUsesOnlyThePackagesDownstreamOfIt() {
        List<AssertionError> broken = new ArrayList<>();
        ALLOWED.forEach((pkg, allowed) -> {
            String[] ok = Stream.concat(Stream.of(pkg), allowed.stream()).map(p -> "io.tidings." + p)
                    .toArray(String[]::new);
            try {
                classes().that().resideInAPackage("io.tidings." + pkg)
                        .should().onlyDependOnClassesThat(resideOutsideOfPackage("io.tidings..")
                                .or(resideInAnyPackage(ok)))
                        .allowEmptyShould(false)
                        .check(production);
            } catch (AssertionError e) {
                broken.add(e);
            }
        });
        if (!broken.isEmpty()) {
            throw broken.get(0);
        }
    }

    @Test
    void everyPackageHasARuleAndADescription() {
        var packages = production.stream().map(c -> c.getPackageName().replaceFirst("^io\\.tidings\\.?", ""))
                .filter(p -> !p.isEmpty() && !p.equals("cli") && !p.equals("demo") && !p.equals("testkit"))
                .distinct().toList();
        org.assertj.core.api.Assertions.assertThat(ALLOWED.keySet()).containsAll(packages);
        production.stream().map(c -> c.getPackageName()).distinct().forEach(p ->
                org.assertj.core.api.Assertions.assertThat(production.stream()
                        .anyMatch(c -> c.getPackageName().equals(p) && c.getSimpleName().equals("package-info")))
                        .as("package-info.java in %s", p).isTrue());
    }

    @Test
    void onlyTheDemoTheBenchesAndTheCommandLineUseTheStandIns() {
        noClasses().that(not(resideInAnyPackage("io.tidings.testkit..", "io.tidings.demo", "io.tidings.cli")))
                .should().dependOnClassesThat(resideInAPackage("io.tidings.testkit.."))
                .check(production);
    }

    @Test
    void blockingWaitsOnlyAtStartAndStop() {
        // BlockHound sees blocking on Reactor's non-blocking threads, but not a block() on a thread we
        // own that an event loop then waits for: so waits are allowed only in wiring, start-up and shutdown.
        noClasses().that(not(resideInAnyPackage("io.tidings.app", "io.tidings.cli", "io.tidings.demo",
                        "io.tidings.testkit..")))
                .and().doNotHaveFullyQualifiedName("io.tidings.store.Database")
                .and().doNotHaveFullyQualifiedName("io.tidings.cluster.Cluster")
                .and().doNotHaveFullyQualifiedName("io.tidings.feed.StoredPreferences")
                .should().callMethodWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo(Mono.class)
                                        .or(com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo(Flux.class))))
                        .and(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                                com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching(
                                        "block|blockFirst|blockLast|blockOptional|toIterable|toStream"))))
                .check(production);
    }
}
