package io.tidings;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** {@link BlockHoundListener} is installed in every test JVM: blocking on a non-blocking thread fails. */
class BlockHoundListenerTest {

    @Test
    void blockingOnAParallelThreadIsReported() {
        Mono<String> sleeps = Mono.fromCallable(() -> {
            Thread.sleep(1);
            return "slept";
        }).subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> sleeps.block(Duration.ofSeconds(10))).hasCauseInstanceOf(BlockingOperationError.class);
    }
}
