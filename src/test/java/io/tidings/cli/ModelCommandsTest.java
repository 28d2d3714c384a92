package io.tidings.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCommandsTest {
    @Test
    void evaluatePrintsTheReportAsTheLastLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = ModelCommands.evaluate(List.of("--synthetic", "6000", "--seed", "2"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode report = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(report.fieldNames()).toIterable().containsExactly("global", "reader");
        for (String split : List.of("global", "reader")) {
            JsonNode json = report.get(split);
            assertThat(json.fieldNames()).toIterable().startsWith("model", "baselines", "epochs", "train_seconds")
                    .contains("segments");
            assertThat(json.get("baselines").fieldNames()).toIterable()
                    .containsExactly("global", "channel_mean", "reader_mean", "post_mean", "dot_mf");
            for (JsonNode score : List.of(json.get("model"), json.get("baselines").get("dot_mf"))) {
                assertThat(score.get("auc").asDouble()).isBetween(0.0, 1.0);
                assertThat(score.get("logloss").asDouble()).isPositive();
            }
            assertThat(json.get("epochs").asInt()).isPositive();
            assertThat(json.get("segments").fieldNames()).toIterable()
                    .containsExactly("warm_readers", "cold_readers", "cold_posts");
        }
    }

    @Test
    void badOptionsAreRejectedClearly() {
        assertThatThrownBy(() -> ModelCommands.evaluate(List.of("--votez", "x.csv")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--votez");
        assertThatThrownBy(() -> ModelCommands.evaluate(List.of()))
                .hasMessageContaining("--votes");
        assertThatThrownBy(() -> ModelCommands.evaluate(List.of("--synthetic", "-5")))
                .hasMessageContaining("positive");
    }
}
