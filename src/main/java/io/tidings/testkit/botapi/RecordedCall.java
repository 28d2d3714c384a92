package io.tidings.testkit.botapi;

import java.util.Map;

/**
 * One HTTP call the {@link LocalBotApiServer} answered.
 *
 * @param method      the Bot API method as written in the URL
 * @param params      the request parameters as strings (JSON values such as {@code reply_markup} stay JSON text)
 * @param chatId      the numeric {@code chat_id} of the call, or null
 * @param nanoTime    {@link System#nanoTime()} when the request arrived
 * @param status      the HTTP status of the answer
 */
public record RecordedCall(String method, Map<String, String> params, Long chatId, long nanoTime, int status) {

    public RecordedCall {
        params = Map.copyOf(params);
    }

    /** True when the call was answered with {@code "ok": true}. */
    public boolean ok() {
        return status == 200;
    }

    /** One parameter, or null. */
    public String param(String name) {
        return params.get(name);
    }
}
