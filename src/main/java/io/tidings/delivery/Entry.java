package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outgoing;

/** A delivery in the sender's hand: claimed, then "sending" with its prepared call. Touched only on the send loop. */
final class Entry {
    final Outgoing o;
    final long claimedAt;
    Courier.Attempt call;
    long notBefore;
    int transientRetries;
    int rateLimitedRetries;

    Entry(Outgoing o, long claimedAt) {
        this.o = o;
        this.claimedAt = claimedAt;
    }

    long id() {
        return o.id();
    }

    long chat() {
        return o.readerId();
    }

    /** Parts of this delivery that reached Telegram (on this attempt or an earlier one). */
    int partsSent() {
        return call == null ? o.partsSent() : call.partsSent();
    }
}
