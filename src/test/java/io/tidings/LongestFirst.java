package io.tidings;

import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * The order in which test classes start (junit-platform.properties): the longest first. Classes run six at a time in
 * one JVM, so a long class started last runs alone at the end of the phase while the other core idles; started first,
 * the short ones fill in beside it. The seconds are each class's run time with five others beside it on the 2-core
 * machine (`mvn -B verify`, 2026-12-01); classes not listed (all shorter) follow in the order Maven gives. A class that
 * grows past ten seconds belongs here.
 */
public final class LongestFirst implements ClassOrderer {

    static final Map<String, Integer> SECONDS = Map.ofEntries(
            // end-to-end phase
            Map.entry("LearningE2eTest", 43), Map.entry("PacingE2eTest", 29), Map.entry("ReaderControlE2eTest", 27),
            Map.entry("VoteDuringDatabaseRestartE2eTest", 24), Map.entry("UpdateFailuresE2eTest", 24),
            Map.entry("DeliveryE2eTest", 20), Map.entry("SoakE2eTest", 20), Map.entry("ConsoleBrowserE2eTest", 20),
            Map.entry("MailingE2eTest", 16), Map.entry("ReaderCommandsE2eTest", 15),
            // unit phase
            Map.entry("TrainerTest", 32), Map.entry("SendFaultsTest", 22), Map.entry("ConsoleRollupsTest", 22),
            Map.entry("EvaluationTest", 21), Map.entry("TrainingServiceTest", 20), Map.entry("WebhookFuzzTest", 18),
            Map.entry("ThreeReplicaMailingTest", 17), Map.entry("WebhookTest", 14), Map.entry("ClusterCoordinationTest", 14),
            Map.entry("ResumeHalfWayTest", 13), Map.entry("AppWebhookTest", 12), Map.entry("ModelCommandsTest", 12),
            Map.entry("DatabaseRestartMailingTest", 11));

    @Override
    public void orderClasses(ClassOrdererContext context) {
        // a stable sort: the classes not listed keep Maven's order
        context.getClassDescriptors().sort(Comparator.comparingInt(
                d -> -SECONDS.getOrDefault(d.getTestClass().getSimpleName(), 0)));
    }
}
