package io.tidings.cli;

import io.tidings.app.App;
import io.tidings.app.Config;
import io.tidings.demo.Demo;
import io.tidings.demo.FanoutBench;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** The {@code tidings} command line: {@code run}, {@code demo}, {@code help}. */
public final class Main {

    private static final String USAGE = """
            usage: tidings <command> [options]
              run                      run the bot for TELEGRAM_BOT_TOKEN, following CHANNELS: long polling (one
                                       replica), or a webhook shared by several replicas when WEBHOOK_URL is set
              demo [--rounds N] [--readers N] [--seed S] [--votes N] [--posts N]
                                       the whole system on local stand-ins with simulated readers
              evaluate --votes FILE.csv | --synthetic N [--seed S] [--save FILE.csv] [--split global|reader|both]
                       [--sets N] [--model-seeds N] [--shape realistic|simple]
                                       offline evaluation (global and per-reader temporal splits) of the model
                                       and baselines; several sets/seeds print mean ± spread
              model export FILE.onnx | model import FILE.onnx | model score FILE.onnx --pairs PAIRS.csv
                                       the whole model as one ONNX file (onnx/README.md): write the newest
                                       version, check and store a file as a new version, score raw id pairs
              tune --votes FILE.csv | --synthetic N [--seconds S] [--seed S]
                                       random search of model sizes, learning rate and L2
              scrape NAME [--pages N]  print a channel's posts (read through TME_BASE_URL) as JSON lines
              bench score [--readers N] [--posts N] [--seconds S]
                                       scoring throughput: naive ONNX graph vs the fast path
              bench ingest [--channels N] [--posts N] [--seconds S]
                                       fetch and parse pages from a local channel server; last line JSON
              bench fanout [--readers N] [--posts N] [--rate R] [--channels N]
                                       plan and send one mailing to every reader (local Bot API); last line JSON
              help                     this text
            Configuration comes from environment variables: see README.md.""";

    private Main() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        try {
            switch (command) {
                case "run" -> run();
                case "demo" -> {
                    var report = Demo.run(Demo.Options.parse(rest), Config.fromEnv());
                    System.out.println(Demo.json(report));
                    System.exit(0);
                }
                case "evaluate" -> System.exit(ModelCommands.evaluate(rest));
                case "tune" -> System.exit(ModelCommands.tune(rest));
                case "model" -> System.exit(ModelCommands.model(rest, Config.fromEnv()));
                case "scrape" -> System.exit(IngestCommands.scrape(rest, Config.fromEnv(), System.out, System.err));
                case "bench" -> {
                    String what = rest.isEmpty() ? "" : rest.get(0);
                    List<String> options = rest.subList(Math.min(1, rest.size()), rest.size());
                    switch (what) {
                        case "score" -> System.exit(ModelCommands.benchScore(options));
                        case "ingest" -> System.exit(IngestCommands.benchIngest(options, System.out));
                        case "fanout" -> System.exit(FanoutBench.run(fanoutOptions(options), System.out));
                        default -> {
                            System.err.println("unknown benchmark: '" + what + "' (score, ingest)");
                            System.err.println(USAGE);
                            System.exit(2);
                        }
                    }
                }
                case "help", "--help", "-h" -> System.out.println(USAGE);
                default -> {
                    System.err.println("unknown command: " + command);
                    System.err.println(USAGE);
                    System.exit(2);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tidings: " + e.getMessage());
            System.exit(2);
        }
    }

    private static FanoutBench.Options fanoutOptions(List<String> args) {
        var o = ModelCommands.options(args, java.util.Set.of("readers", "posts", "rate", "channels", "candidates",
                "warmup-seconds"));
        return new FanoutBench.Options(ModelCommands.intOption(o, "readers", 100_000),
                ModelCommands.intOption(o, "posts", 50_000), ModelCommands.doubleOption(o, "rate", 1000),
                ModelCommands.intOption(o, "channels", 1000), ModelCommands.intOption(o, "candidates", 32),
                ModelCommands.intOption(o, "warmup-seconds", 5));
    }

    private static void run() throws InterruptedException {
        App app = App.start(Config.fromEnv(), App.Loops.ALL);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (Kubernetes) and Ctrl-C: stop taking work, finish or give back what is in hand, then exit
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("tidings is running as " + app.instanceId() + "; HTTP on port " + app.httpPort() + " (Ctrl-C stops)");
        stopped.await();
    }
}
