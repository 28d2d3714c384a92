package io.tidings.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The per-chat pace every message of a replica keeps, on virtual time. */
class ChatPaceTest {

    private static final Duration GAP = Duration.ofMillis(1000);
    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final ChatPace pace = new ChatPace(GAP, time, () -> time.now(TimeUnit.NANOSECONDS));
    private final List<String> left = new ArrayList<>();

    /** A call that leaves when subscribed (noted with its time) and is answered {@code answerMs} later. */
    private Mono<String> call(String name, long answerMs) {
        return Mono.defer(() -> {
            left.add(name + "@" + time.now(TimeUnit.MILLISECONDS));
            return Mono.delay(Duration.ofMillis(answerMs), time).thenReturn(name);
        });
    }

    @Test
    void aQuietChatIsNotWaitedOn() {
        pace.paced(1L, call("first", 100)).subscribe();
        assertThat(left).containsExactly("first@0");
    }

    @Test
    void theNextMessageToAChatLeavesAGapAfterTheLastWasAnsweredInTheOrderAsked() {
        pace.paced(1L, call("a", 100)).subscribe();
        pace.paced(1L, call("b", 300)).subscribe();
        pace.paced("1", call("c", 100)).subscribe(); // the same chat, however its id is written
        pace.paced(2L, call("other", 100)).subscribe(); // another chat is not held up
        time.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(left).containsExactly("a@0", "other@0", "b@1100", "c@2400");
    }

    @Test
    void aCallAnsweredLongAgoLeavesNoWait() {
        pace.paced(1L, call("a", 100)).subscribe();
        time.advanceTimeBy(Duration.ofSeconds(5));
        pace.paced(1L, call("b", 100)).subscribe();
        assertThat(left).containsExactly("a@0", "b@5000");
    }

    @Test
    void aFailedCallStillCountsAndACallCancelledBeforeLeavingPassesItsTurnOn() {
        pace.paced(1L, Mono.defer(() -> {
            left.add("failed@" + time.now(TimeUnit.MILLISECONDS));
            return Mono.delay(Duration.ofMillis(100), time).then(Mono.<String>error(new IllegalStateException("5xx")));
        })).subscribe(x -> { }, e -> { });
        Disposable waiting = pace.paced(1L, call("cancelled", 100)).subscribe();
        pace.paced(1L, call("next", 100)).subscribe();
        time.advanceTimeBy(Duration.ofMillis(500));
        waiting.dispose();
        time.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(left).containsExactly("failed@0", "next@1100");
    }

    @Test
    void freeAtTellsWhenAChatMayTakeItsNextMessage() {
        assertThat(pace.freeAt(1L)).as("a chat never seen is free").isEqualTo(Long.MIN_VALUE);
        pace.paced(1L, call("a", 100)).subscribe();
        assertThat(pace.freeAt(1L)).as("busy while on the wire").isGreaterThanOrEqualTo(GAP.toNanos());
        time.advanceTimeBy(Duration.ofMillis(100));
        assertThat(pace.freeAt(1L)).isEqualTo(Duration.ofMillis(1100).toNanos());
    }

    @Test
    void idleChatsAreForgotten() {
        for (long chat = 1; chat <= 100; chat++) pace.paced(chat, call("c" + chat, 10)).subscribe();
        time.advanceTimeBy(Duration.ofSeconds(30));
        pace.paced(1000L, call("late", 10)).subscribe();
        assertThat(pace.size()).isEqualTo(1);
    }

    @Test
    void onlyMessagesToAChatArePaced() {
        assertThat(ChatPace.paced("sendMessage")).isTrue();
        assertThat(ChatPace.paced("sendMediaGroup")).isTrue();
        assertThat(ChatPace.paced("copyMessage")).isTrue();
        assertThat(ChatPace.paced("sendChatAction")).isFalse();
        assertThat(ChatPace.paced("answerCallbackQuery")).isFalse();
        assertThat(ChatPace.paced("editMessageReplyMarkup")).isFalse();
        assertThat(ChatPace.paced("getUpdates")).isFalse();
    }
}
