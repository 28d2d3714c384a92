package io.tidings.cli;

import io.tidings.app.App;
import io.tidings.app.Setting;
import io.tidings.app.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code tidings run}: the bot itself, until SIGTERM or Ctrl-C. */
@Command(name = "run", description = {
        "Runs the bot for TELEGRAM_BOT_TOKEN, following CHANNELS: long polling (one replica), or a webhook shared "
                + "by several replicas when WEBHOOK_URL is set.",
        "SIGTERM or Ctrl-C stops taking work, finishes or hands back what is in hand, then exits."})
final class RunCommand extends Subcommand {

    @Override
    public Integer call() throws InterruptedException {
        App app = App.start(config(), App.Loops.ALL);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "shutdown"));
        out().println("tidings is running as " + app.instanceId() + "; HTTP on port " + app.httpPort() + " (Ctrl-C stops)");
        stopped.await();
        return 0;
    }

    /** The help's footer: every environment variable with its default. */
    static String[] settingsFooter() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Environment variables (default; README.md, \"Configuration\", says what each means):");
        for (Setting<?> s : Settings.ALL) {
            lines.add(String.format("  %-34s %s", s.name(), s.shownDefault().replace("`", "").replace("%", "%%")));
        }
        return lines.toArray(String[]::new);
    }
}
