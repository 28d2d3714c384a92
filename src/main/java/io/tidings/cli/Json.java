package io.tidings.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON report lines (the last line of a bench or an evaluation), written with Jackson. */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** One line of JSON: maps keep their order (use a LinkedHashMap). */
    public static String line(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code value} to {@code places} decimals; NaN and infinities as null (JSON has neither). */
    public static Double round(double value, int places) {
        if (!Double.isFinite(value)) return null;
        return java.math.BigDecimal.valueOf(value).setScale(places, java.math.RoundingMode.HALF_UP).doubleValue();
    }
}
