package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outcome;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender's intake from the outbox: claims a second's worth of deliveries ahead under a lease (further ahead when
 * every claimed one is for a busy chat), and marks small groups "sending" a few hundred milliseconds before their
 * turn, each then prepared for the courier. Touched only on the send loop; a database answer comes back through it.
 */
final class Intake {

    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    /** A claimed delivery is marked "sending" when its chat is free within this. */
    private static final long MARK_LEAD = Duration.ofMillis(300).toNanos();
    /** At most this many claim batches in hand when the claimed deliveries are all for busy chats. */
    private static final int CLAIM_AHEAD_MAX = 10;
    private static final long NEVER = ClaimWindow.NEVER;

    private final DeliverySender sender;
    private final Outbox outbox;
    private final Courier courier;
    private final ClaimWindow window;
    private final String owner;
    private final Duration lease;
    private final long idlePoll;

    private boolean claiming, marking;
    private boolean starved; // every claimed delivery is for a chat that is busy: claim further ahead
    private long nextClaimAt, nextMarkAt;

    Intake(DeliverySender sender, Outbox outbox, Courier courier, ClaimWindow window, String owner, Duration lease,
           Duration idlePoll) {
        this.sender = sender;
        this.outbox = outbox;
        this.courier = courier;
        this.window = window;
        this.owner = owner;
        this.lease = lease;
        this.idlePoll = idlePoll.toNanos();
    }

    /** Looks at the outbox at {@code now} rather than at the next idle poll. */
    void lookAt(long now) {
        nextClaimAt = now;
    }

    /** Looks at the outbox by {@code now} at the latest (a recorded outcome frees its reader's next delivery). */
    void lookBy(long now) {
        if (nextClaimAt - now > 0) nextClaimAt = now;
    }

    /** A claim or a mark is on its way to the database. */
    boolean busy() {
        return claiming || marking;
    }

    /** Claims the next batch when few are claimed; returns when to look again ({@code NEVER}: woken by the answer). */
    long claimIfLow(long now, int batch) {
        // a mailing of several posts per reader is claimed reader by reader: look further for free chats
        int target = starved ? batch * CLAIM_AHEAD_MAX : batch;
        if (claiming || window.claimed() >= target) return NEVER;
        if (now - nextClaimAt < 0) return nextClaimAt;
        claiming = true;
        sender.db(outbox.claim(owner, lease, batch).collectList()).subscribe(
                list -> sender.hop(() -> {
                    claiming = false;
                    window.claimedNow(list, now);
                    if (list.size() < batch) nextClaimAt = sender.now() + idlePoll; // the outbox is empty for now
                }),
                e -> sender.hop(() -> {
                    claiming = false;
                    nextClaimAt = sender.now() + idlePoll;
                    log.warn("claiming deliveries failed, will retry: {}", e.toString());
                }));
        return NEVER;
    }

    /** Marks the next group of claimed deliveries "sending" when few are ready; returns when a busy chat frees. */
    long markIfLow(long now, int readyLow, int size) {
        if (marking || window.ready() >= readyLow) return NEVER; // woken when it changes
        if (now - nextMarkAt < 0) return nextMarkAt;
        ClaimWindow.Group next = window.nextGroup(size, now, MARK_LEAD);
        List<Entry> group = next.entries();
        long blockedUntil = next.blockedUntil();
        starved = group.size() < size;
        if (group.isEmpty()) return blockedUntil;
        marking = true;
        Long[] ids = group.stream().map(e -> e.o.id()).toArray(Long[]::new);
        sender.db(outbox.markSending(ids, owner, lease).collectList()).subscribe(
                mine -> sender.hop(() -> {
                    marking = false;
                    Set<Long> ours = new HashSet<>(mine);
                    for (Entry e : group) {
                        if (ours.contains(e.o.id())) {
                            prepare(e);
                        } else { // taken over or dropped meanwhile: not ours to send
                            window.done(e);
                        }
                    }
                }),
                err -> sender.hop(() -> {
                    marking = false;
                    nextMarkAt = sender.now() + idlePoll;
                    log.warn("marking deliveries as sending failed, will retry: {}", err.toString());
                    window.unmarked(group);
                }));
        return blockedUntil;
    }

    private void prepare(Entry e) {
        try {
            e.call = courier.prepare(e.o);
            window.ready(e);
        } catch (RuntimeException x) { // a bug in rendering: give this one up, not the loop
            log.warn("delivery {} could not be rendered", e.o.id(), x);
            sender.record(e, Outcome.failed(e.id(), FailurePolicy.abbreviate(x.toString())));
        }
    }
}
