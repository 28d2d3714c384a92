package io.tidings;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Brief lock waits that BlockHound reports but that are not blocking I/O (tests only). Seen with three
 * senders at 150 messages/s (issue 7):
 * <ul>
 *   <li>OkHttp's dispatcher registers a worker under its executor's lock when a call is enqueued;</li>
 *   <li>Jackson takes its deserializer cache lock the first times a type is read (local Bot API server).</li>
 * </ul>
 */
public final class BriefLocksBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("okhttp3.Dispatcher", "promoteAndExecute");
        builder.allowBlockingCallsInside("okhttp3.Dispatcher", "enqueue$okhttp");
        builder.allowBlockingCallsInside("okhttp3.Dispatcher", "finished$okhttp");
        builder.allowBlockingCallsInside("com.fasterxml.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer");
    }
}
