package io.tidings.cli;

import io.tidings.app.Config;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every command gets: the environment's {@link Config}, the output streams, and checks that turn a bad option
 * value into a usage error (exit 2). {@link #call()} returns the exit code: 0 done, 1 failed.
 */
abstract class Subcommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    private Main root() {
        return (Main) spec.root().userObject();
    }

    /** Every setting, from the environment; a value that is not allowed stops with exit code 2. */
    Config config() {
        return Config.fromEnv(root().env());
    }

    PrintStream out() {
        return root().out();
    }

    PrintStream err() {
        return root().err();
    }

    /** A usage error: printed with this command's usage, exit code 2. */
    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    int atLeast(int value, int min, String option) {
        if (value < min) throw usage(option + " must be at least " + min + ", not " + value);
        return value;
    }

    int positive(int value, String option) {
        return atLeast(value, 1, option);
    }

    double positive(double value, String option) {
        if (!(value > 0) || Double.isInfinite(value)) throw usage(option + " must be a positive number, not " + value);
        return value;
    }
}
