package io.tidings.cli;

import io.tidings.demo.StandIns;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tidings stand-ins}: the local Bot API and t.me servers for scripts (the image check), until killed. */
@Command(name = "stand-ins", description = "Serves the local Telegram Bot API and t.me stand-ins on loopback, prints "
        + "their settings (KEY=value lines) and 'ready', and runs until killed.")
final class StandInsCommand extends Subcommand {

    @Option(names = "--token", paramLabel = "T", description = "bot token the stand-in accepts")
    String token;
    @Option(names = "--control-port", paramLabel = "P", description = "port of the script's control API (0: any)")
    Integer controlPort;
    @Option(names = "--webhook-port", paramLabel = "P", description = "port the webhook balancer listens on (0: any)")
    Integer webhookPort;
    @Option(names = "--webhook-backends", paramLabel = "P1,P2", description = "HTTP ports of the replicas behind the webhook")
    String webhookBackends;
    @Option(names = "--posts", paramLabel = "N", description = "posts per generated channel")
    Integer posts;
    @Option(names = "--seed", paramLabel = "S", description = "random seed of the generated channels")
    Long seed;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>();
        add(args, "--token", token);
        add(args, "--control-port", controlPort);
        add(args, "--webhook-port", webhookPort);
        add(args, "--webhook-backends", webhookBackends);
        add(args, "--posts", posts);
        add(args, "--seed", seed);
        try {
            return StandIns.run(args, out());
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
