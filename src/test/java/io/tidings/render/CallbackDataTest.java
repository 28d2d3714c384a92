package io.tidings.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.render.CallbackData.Action;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CallbackDataTest {

    private final CallbackData data = new CallbackData("secret".getBytes(StandardCharsets.UTF_8));

    @Test
    void aSignedPressRoundTripsAndFitsTelegramsLimit() {
        String s = data.encode(123456789L, Action.LIKE, Long.MAX_VALUE);
        assertThat(s.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
        assertThat(data.decode(123456789L, s)).contains(new CallbackData.Press(Action.LIKE, Long.MAX_VALUE));
        assertThat(data.decode(1, data.encode(1, Action.MORE, 42))).contains(new CallbackData.Press(Action.MORE, 42));
    }

    @Test
    void anotherReadersButtonIsRejected() {
        String s = data.encode(1, Action.LIKE, 42);
        assertThat(data.decode(2, s)).isEmpty();
    }

    @Test
    void forgedPostIdsActionsAndGarbageAreRejected() {
        String s = data.encode(1, Action.LIKE, 42);
        String sig = s.substring(s.indexOf('.'));
        assertThat(data.decode(1, "l" + Long.toString(43, 36) + sig)).isEmpty();
        assertThat(data.decode(1, "d" + s.substring(1))).isEmpty();
        assertThat(data.decode(1, "")).isEmpty();
        assertThat(data.decode(1, null)).isEmpty();
        assertThat(data.decode(1, "l.")).isEmpty();
        assertThat(data.decode(1, "x".repeat(65))).isEmpty();
        assertThat(new CallbackData("other".getBytes(StandardCharsets.UTF_8)).decode(1, s)).isEmpty();
    }
}
