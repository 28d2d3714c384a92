package io.tidings.app;

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
