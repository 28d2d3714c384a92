package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/** Reads Bot API parameters from the query string and a form-encoded, JSON or multipart body. */
final class RequestParams {

    private RequestParams() {
    }

    static Mono<Map<String, String>> read(HttpServerRequest request) {
        Map<String, String> params = new LinkedHashMap<>();
        new QueryStringDecoder(request.uri()).parameters().forEach((k, v) -> params.put(k, last(v)));
        String type = String.valueOf(request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/")) {
            return request.receiveForm(form -> form.maxInMemorySize(-1))
                    .doOnNext(data -> {
                        params.put(data.getName(), valueOf(data));
                        if (data instanceof FileUpload upload) params.put(data.getName() + ".content", contentOf(upload));
                    })
                    .then(Mono.fromSupplier(() -> params));
        }
        return request.receive().aggregate().asString(StandardCharsets.UTF_8)
                .map(body -> {
                    if (type.startsWith("application/json")) {
                        putJson(body, params);
                    } else if (!body.isEmpty()) {
                        new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters()
                                .forEach((k, v) -> params.put(k, last(v)));
                    }
                    return params;
                })
                .defaultIfEmpty(params);
    }

    private static void putJson(String body, Map<String, String> params) {
        JsonNode json;
        try {
            json = TelegramObjects.JSON.readTree(body);
        } catch (IOException e) {
            throw ApiError.badRequest("can't parse JSON object");
        }
        if (json == null || !json.isObject()) {
            throw ApiError.badRequest("can't parse JSON object");
        }
        json.fields().forEachRemaining(f ->
                params.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString()));
    }

    private static String valueOf(HttpData data) {
        if (data instanceof FileUpload upload) {
            return "attach://" + upload.getFilename();
        }
        try {
            return data.getString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ApiError.badRequest("can't read multipart field " + data.getName());
        }
    }

    /** An uploaded file's bytes as UTF-8 text (tests read the documents the bot sends). */
    private static String contentOf(FileUpload upload) {
        try {
            return upload.getString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ApiError.badRequest("can't read file " + upload.getFilename());
        }
    }

    private static String last(List<String> values) {
        return values.get(values.size() - 1);
    }

    /** The numeric {@code chat_id}, or null when there is none or it is a @username. */
    static Long numericChatId(Map<String, String> p) {
        String raw = p.get("chat_id");
        if (raw == null) {
            return null;
        }
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The numeric {@code chat_id}, or Telegram's 400 for a missing one or a chat the bot is not in. */
    static long chatId(Map<String, String> p) {
        String raw = p.get("chat_id");
        if (raw == null || raw.isBlank()) {
            throw ApiError.badRequest("chat_id is empty");
        }
        Long id = numericChatId(p);
        if (id == null) { // @username of a chat the bot is not in
            throw ApiError.badRequest("chat not found");
        }
        return id;
    }

    /** An integer parameter, {@code fallback} when absent, Telegram's 400 when not a number. */
    static long longParam(Map<String, String> p, String name, long fallback) {
        String raw = p.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("invalid " + name + " specified");
        }
    }
}
