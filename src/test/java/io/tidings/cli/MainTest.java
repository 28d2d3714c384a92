package io.tidings.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: help, exit codes, usage errors and settings that are not allowed. */
class MainTest {

    private static final List<String> COMMANDS = List.of("run", "demo", "scrape", "evaluate", "tune", "bench", "help");

    @Test
    void withoutACommandItListsEveryCommand() {
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"help"})) {
            var run = Cli.run(Map.of(), args);
            assertThat(run.code()).as(String.join(" ", args)).isZero();
            assertThat(run.out()).contains("Usage: tidings");
            COMMANDS.forEach(c -> assertThat(run.out()).as(c).containsPattern("(?m)^  " + c + " "));
        }
    }

    @Test
    void everyCommandHasItsHelp() {
        for (String command : List.of("run", "demo", "scrape", "evaluate", "tune", "bench", "bench score",
                "bench ingest", "bench fanout")) {
            String[] args = (command + " --help").split(" ");
            var run = Cli.run(Map.of(), args);
            assertThat(run.code()).as(command).isZero();
            assertThat(run.out()).as(command).contains("Usage: tidings " + command);
            assertThat(run.err()).as(command).isEmpty();
        }
        assertThat(Cli.run(Map.of(), "help", "demo").out()).contains("--rounds=N");
        // run's help lists every environment variable
        assertThat(Cli.run(Map.of(), "run", "--help").out()).contains("SEND_RATE", "MODEL_HIDDEN", "TIDINGS_LOG_LEVEL");
    }

    @Test
    void aWrongFlagExitsTwoWithTheUsage() {
        var run = Cli.run(Map.of(), "demo", "--roundz", "3");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown options: '--roundz', '3'").contains("Usage: tidings demo");
        assertThat(run.out()).isEmpty();

        var unknownCommand = Cli.run(Map.of(), "serve");
        assertThat(unknownCommand.code()).isEqualTo(2);
        assertThat(unknownCommand.err()).contains("Unmatched argument").contains("Usage: tidings");

        var noBench = Cli.run(Map.of(), "bench");
        assertThat(noBench.code()).isEqualTo(2);
        assertThat(noBench.err()).contains("name a benchmark: score, ingest, fanout");

        var notANumber = Cli.run(Map.of(), "bench", "fanout", "--readers", "many");
        assertThat(notANumber.code()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--readers").contains("Usage: tidings bench fanout");

        var negative = Cli.run(Map.of(), "bench", "fanout", "--warmup-seconds", "-1");
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.err()).contains("--warmup-seconds must be at least 0");

        var tooMany = Cli.run(Map.of(), "bench", "score", "--readers", "1000000", "--posts", "100");
        assertThat(tooMany.code()).isEqualTo(2);
        assertThat(tooMany.err()).contains("at most 50,000,000");
    }

    @Test
    void fanoutWithZeroWarmupMeasuresCold() {
        var line = Main.commandLine(Map.of(), System.out, System.err);
        var parsed = line.parseArgs("bench", "fanout", "--readers", "10", "--warmup-seconds", "0");
        BenchFanoutCommand fanout = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        var options = fanout.options();
        assertThat(options.warmupSeconds()).isZero();
        assertThat(options.readers()).isEqualTo(10);
        assertThat(options.rate()).isEqualTo(1000);
    }

    @Test
    void aSettingThatIsNotAllowedStopsStartUpWithItsNameAndExitTwo() {
        var run = Cli.run(Map.of("HTTP_PORT", "eighty"), "run");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("tidings: HTTP_PORT must be a whole number from 0 to 65535, not 'eighty'");

        var demo = Cli.run(Map.of("RANKING_NOISE", "2"), "demo");
        assertThat(demo.code()).isEqualTo(2);
        assertThat(demo.err()).contains("tidings: RANKING_NOISE must be a number from 0 to 1, not '2'");
    }
}
