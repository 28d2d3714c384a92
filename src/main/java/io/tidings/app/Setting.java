package io.tidings.app;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One environment variable: its name, type, default, what is allowed and one line of documentation (the row of
 * README's configuration table). {@link #read} turns the raw value into a {@code T} or stops with the variable's
 * name and what is allowed; a secret's value is never repeated.
 *
 * @param name         the variable
 * @param type         what kind of value it takes ("whole number", "seconds", "true or false", …)
 * @param defaultValue the value when unset; null when unset has a meaning of its own (see {@code shownDefault})
 * @param shownDefault README's Default cell
 * @param allowed      what the error message says is allowed ("a whole number from 0 to 65535")
 * @param doc          README's Meaning cell
 * @param secret       never echo the value
 * @param parse        the raw (trimmed, non-blank) value to a {@code T}; null or an exception means not allowed
 */
public record Setting<T>(String name, String type, T defaultValue, String shownDefault, String allowed, String doc,
                         boolean secret, Function<String, T> parse) {

    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shownDefault, "shownDefault");
        Objects.requireNonNull(allowed, "allowed");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(parse, "parse");
    }

    /** The value from {@code env} (which gives null for unset or blank), or the default. */
    public T read(Function<String, String> env) {
        String raw = env.apply(name);
        if (raw == null) return defaultValue;
        T value;
        try {
            value = parse.apply(raw);
        } catch (RuntimeException e) {
            value = null;
        }
        if (value == null) throw invalid(raw);
        return value;
    }

    /** The error for a value that is not allowed: the name, what is allowed and (unless secret) what was given. */
    public ConfigException invalid(String raw) {
        return new ConfigException(name + " must be " + allowed
                + (secret || raw == null ? "" : ", not '" + shorten(raw) + "'"));
    }

    private static String shorten(String raw) {
        String s = raw.length() > 60 ? raw.substring(0, 60) + "…" : raw;
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    /** A setting that was given a value that is not allowed: the message names the variable and what is allowed. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String message) {
            super(message);
        }
    }

    // ---- kinds of settings -----------------------------------------------------------------------------

    static Setting<Long> whole(String name, long dflt, long min, long max, String doc) {
        String allowed = "a whole number from " + min + " to " + max;
        return new Setting<>(name, "whole number", dflt, code(Long.toString(dflt)), allowed, doc, false, v -> {
            long n = Long.parseLong(v.replace("_", ""));
            return n >= min && n <= max ? n : null;
        });
    }

    static Setting<Integer> integer(String name, int dflt, int min, int max, String doc) {
        Setting<Long> w = whole(name, dflt, min, max, doc);
        return new Setting<>(name, w.type, dflt, w.shownDefault, w.allowed, doc, false, v -> {
            Long n = w.parse.apply(v);
            return n == null ? null : n.intValue();
        });
    }

    /** A number in [min, max], or in (min, max] when {@code minExclusive}. */
    static Setting<Double> decimal(String name, double dflt, double min, boolean minExclusive, double max, String doc) {
        String allowed = minExclusive ? "a number above " + plain(min) + " and at most " + plain(max)
                : "a number from " + plain(min) + " to " + plain(max);
        return new Setting<>(name, "number", dflt, code(plain(dflt)), allowed, doc, false, v -> {
            double d = Double.parseDouble(v);
            boolean ok = (minExclusive ? d > min : d >= min) && d <= max; // false for NaN
            return ok ? d : null;
        });
    }

    /** A whole number of {@code unit}s in [min, max], as a Duration. */
    static Setting<Duration> duration(String name, ChronoUnit unit, long dflt, long min, long max, String doc) {
        Setting<Long> w = whole(name, dflt, min, max, doc);
        String unitName = unit.name().toLowerCase(Locale.ROOT);
        return new Setting<>(name, unitName, Duration.of(dflt, unit), w.shownDefault, w.allowed + " (" + unitName + ")",
                doc, false, v -> {
                    Long n = w.parse.apply(v);
                    return n == null ? null : Duration.of(n, unit);
                });
    }

    static Setting<Boolean> flag(String name, boolean dflt, String doc) {
        return new Setting<>(name, "true or false", dflt, code(Boolean.toString(dflt)), "true or false", doc, false,
                v -> v.equalsIgnoreCase("true") ? Boolean.TRUE : v.equalsIgnoreCase("false") ? Boolean.FALSE : null);
    }

    /** One of {@code values} (any case), given back in the case declared. */
    static Setting<String> choice(String name, String dflt, List<String> values, String doc) {
        return new Setting<>(name, "one of " + values, dflt, code(dflt), "one of " + String.join(", ", values), doc,
                false, v -> values.stream().filter(c -> c.equalsIgnoreCase(v)).findFirst().orElse(null));
    }

    /** Free text checked by {@code parse}; {@code dflt} may be null (unset), {@code shown} is README's cell. */
    static <T> Setting<T> text(String name, T dflt, String shown, String allowed, boolean secret,
                               Function<String, T> parse, String doc) {
        return new Setting<>(name, "text", dflt, shown, allowed, doc, secret, parse);
    }

    /** Comma-separated values, each read by {@code element} (null or an exception: not allowed); empty entries skipped. */
    static <E> Setting<List<E>> list(String name, List<E> dflt, String shown, String allowed,
                                     Function<String, E> element, String doc) {
        return new Setting<>(name, "list", List.copyOf(dflt), shown, allowed, doc, false, v -> {
            List<E> out = Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(element)
                    .collect(Collectors.toList());
            return out.contains(null) ? null : List.copyOf(out);
        });
    }

    static String code(String s) {
        return "`" + s + "`";
    }

    /** 30.0 → "30", 0.03 → "0.03", 1e-5 → "0.00001". */
    static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
