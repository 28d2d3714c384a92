package io.tidings.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.app.Config;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCommandsTest {

    @Test
    void evaluatePrintsTheReportAsTheLastLine() throws Exception {
        var run = Cli.run(Map.of(), "evaluate", "--synthetic", "6000", "--seed", "2");
        assertThat(run.code()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.lastLine());
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
    void tuneEndsWithTheVariablesThatServeTheBestConfiguration() throws Exception {
        var run = Cli.run(Map.of(), "tune", "--synthetic", "3000", "--seconds", "1", "--trials", "2");
        assertThat(run.code()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.lastLine());
        assertThat(json.fieldNames()).toIterable().containsExactly("best", "auc", "logloss", "default_auc", "trials");
        JsonNode best = json.get("best");
        // the printed MODEL_* lines, read back as the service would, give the best configuration
        Map<String, String> env = new java.util.HashMap<>();
        run.out().lines().map(String::strip).filter(l -> l.startsWith("MODEL_"))
                .forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertThat(env).containsOnlyKeys("MODEL_READER_DIM", "MODEL_CHANNEL_DIM", "MODEL_POST_DIM", "MODEL_HIDDEN",
                "MODEL_LEARNING_RATE", "MODEL_L2");
        var model = Config.fromEnv(env).model();
        assertThat(model.readerDim()).isEqualTo(best.get("reader_dim").asInt());
        assertThat(model.channelDim()).isEqualTo(best.get("channel_dim").asInt());
        assertThat(model.postDim()).isEqualTo(best.get("post_dim").asInt());
        assertThat(model.hidden()).isEqualTo(best.get("hidden").asInt());
        assertThat(model.learningRate()).isEqualTo((float) best.get("learning_rate").asDouble());
        assertThat(model.l2()).isEqualTo((float) best.get("l2").asDouble());
    }

    @Test
    void badOptionsAreUsageErrors() {
        var unknown = Cli.run(Map.of(), "evaluate", "--votez", "x.csv");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--votez").contains("Usage: tidings evaluate");
        var none = Cli.run(Map.of(), "evaluate");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("--votes");
        var negative = Cli.run(Map.of(), "evaluate", "--synthetic", "-5");
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.err()).contains("--synthetic must be at least 1");
        var both = Cli.run(Map.of(), "tune", "--synthetic", "10", "--votes", "x.csv");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
    }

    @Test
    void modelScorePrintsOneProbabilityPerPairOfAFileMadeByPyTorch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path pairs = dir.resolve("pairs.csv");
        java.nio.file.Files.writeString(pairs, "reader,channel,post\n1,2,3\n999999,888888,777777\n");
        String onnx = java.nio.file.Path.of("src/test/resources/onnx/pytorch-small.onnx").toString();
        var run = Cli.run(Map.of(), "model", "score", onnx, "--pairs", pairs.toString());
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) assertThat(Double.parseDouble(line.strip())).isBetween(0.0, 1.0);

        var noPairs = Cli.run(Map.of(), "model", "score", onnx);
        assertThat(noPairs.code()).isEqualTo(2);
        assertThat(noPairs.err()).contains("--pairs");
        assertThat(Cli.run(Map.of(), "model").code()).isEqualTo(2);
    }
}
