package io.tidings.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The {@code tidings} command line (picocli). Exit codes: 0 done, 1 failed, 2 wrong usage or a setting that is
 * not allowed (with the usage or the setting's name). A new command is one class extending {@link Subcommand}
 * and its name in {@code subcommands} below (or in {@link BenchCommand}'s for a bench).
 */
@Command(name = "tidings", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = Main.Version.class, usageHelpAutoWidth = true,
        description = "A Telegram bot that sends each reader the channel posts they are most likely to enjoy.",
        footer = {"", "Configuration comes from environment variables (README.md, \"Configuration\"; `tidings run "
                + "--help` lists them).", "Exit codes: 0 done, 1 failed, 2 wrong usage or configuration."},
        subcommands = {
                RunCommand.class,
                DemoCommand.class,
                SoakCommand.class,
                ScrapeCommand.class,
                EvaluateCommand.class,
                TuneCommand.class,
                BenchCommand.class,
                StandInsCommand.class,
                ModelCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    private Main(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = commandLine(System.getenv(), System.out, System.err).execute(args);
        System.exit(code); // the demo and benches leave pools behind that would keep the JVM up
    }

    /** The command line over {@code env}, printing to {@code out} and {@code err}: {@code execute(args)} gives the exit code. */
    public static CommandLine commandLine(Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine line = new CommandLine(new Main(env, out, err));
        line.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        line.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        line.getSubcommands().get("run").getCommandSpec().usageMessage().footer(RunCommand.settingsFooter());
        line.setParameterExceptionHandler((e, args) -> { // the message, then always the usage (also with suggestions)
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("tidings: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, failed.getErr());
            failed.usage(failed.getErr());
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        line.setExecutionExceptionHandler((e, failed, parsed) -> {
            failed.getErr().println("tidings: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (e instanceof IllegalArgumentException) {
                return 2; // bad input: a setting, an option value, a file the user named
            }
            e.printStackTrace(failed.getErr());
            return 1;
        });
        return line;
    }

    /** No command: the list of commands. */
    @Override
    public void run() {
        CommandLine.usage(this, out);
    }

    Map<String, String> env() {
        return env;
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tidings " + (v == null ? "(development build)" : v)};
        }
    }
}
