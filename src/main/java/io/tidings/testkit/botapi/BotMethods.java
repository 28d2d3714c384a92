package io.tidings.testkit.botapi;

import static io.tidings.testkit.botapi.TelegramObjects.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The Bot API methods of the {@link LocalBotApiServer}, with Telegram's validation and message state: getMe, updates
 * and webhooks, callback answers and keyboard edits here; the sending methods are {@link BotSends}'; the messages of
 * every chat, {@link ChatHistory}'s.
 */
final class BotMethods {

    private static final Set<String> SENDS = Set.of("sendmessage", "sendphoto", "sendmediagroup", "copymessage",
            "senddocument");

    private final Map<String, Function<Map<String, String>, Mono<JsonNode>>> handlers = new HashMap<>();
    private final Object lock = new Object();
    private final ChatHistory history = new ChatHistory();
    private final Set<String> openQueries = new HashSet<>();
    private final ObjectNode botUser;
    private final BotSends sends;
    private final UpdateQueue updates;
    private final SendLimits limits;
    private final Scheduler timer;
    private String webhookUrl = "";
    private String webhookSecret;

    BotMethods(long botId, String botUsername, UpdateQueue updates, SendLimits limits, Scheduler timer,
               Consumer<List<SentMessage>> onSent) {
        this.botUser = TelegramObjects.bot(botId, botUsername);
        this.updates = updates;
        this.limits = limits;
        this.timer = timer;
        this.sends = new BotSends(botUser, history, onSent);
        sync("getMe", p -> botUser.deepCopy());
        handlers.put("getupdates", this::getUpdates);
        sync("setWebhook", this::setWebhook);
        sync("deleteWebhook", p -> setWebhook(Map.of("url", "")));
        sync("getWebhookInfo", p -> webhookInfo());
        sync("sendMessage", sends::sendMessage);
        sync("sendPhoto", sends::sendPhoto);
        sync("sendDocument", sends::sendDocument);
        sync("sendMediaGroup", sends::sendMediaGroup);
        for (String kind : new String[] {"video", "animation", "voice", "audio"}) {
            String method = "send" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
            sync(method, p -> sends.sendFile(method, kind, p));
        }
        sync("copyMessage", sends::copyMessage);
        sync("answerCallbackQuery", this::answerCallbackQuery);
        sync("editMessageReplyMarkup", this::editMessageReplyMarkup);
    }

    private void sync(String method, Function<Map<String, String>, JsonNode> handler) {
        handlers.put(method.toLowerCase(Locale.ROOT), p -> Mono.fromSupplier(() -> handler.apply(p)));
    }

    boolean knows(String method) {
        return handlers.containsKey(method.toLowerCase(Locale.ROOT));
    }

    /** The {@code result} of a call, or an {@link ApiError}. */
    Mono<JsonNode> call(String method, Map<String, String> params) {
        String key = method.toLowerCase(Locale.ROOT);
        Function<Map<String, String>, Mono<JsonNode>> handler = handlers.get(key);
        if (handler == null) {
            return Mono.error(new ApiError(404, "Not Found", null));
        }
        if (SENDS.contains(key)) {
            Long chat = RequestParams.numericChatId(params);
            Integer retryAfter = chat == null ? null : limits.admit(chat, System.nanoTime());
            if (retryAfter != null) {
                return Mono.error(new ApiError(429, "Too Many Requests: retry after " + retryAfter, retryAfter));
            }
        }
        return handler.apply(params);
    }

    String webhookUrl() {
        synchronized (lock) {
            return webhookUrl;
        }
    }

    String webhookSecret() {
        synchronized (lock) {
            return webhookSecret;
        }
    }

    // ---- updates pushed by a test or the demo ------------------------------------------------------

    ObjectNode incomingMessage(long userId, String text, String languageCode) {
        ObjectNode m = TelegramObjects.message(history.nextMessageId(userId), TelegramObjects.reader(userId, languageCode),
                userId, TelegramObjects.now());
        TelegramObjects.putTextWithCommands(m, text);
        return m;
    }

    ObjectNode callbackQuery(int updateId, long userId, int messageId, String data) {
        String id = Long.toUnsignedString(userId * 1_000_003L + updateId);
        ObjectNode q = JSON.createObjectNode();
        q.put("id", id);
        q.set("from", TelegramObjects.reader(userId, null));
        synchronized (lock) {
            openQueries.add(id);
        }
        ObjectNode message = history.copyOf(userId, messageId);
        if (message == null) { // unknown or too old: Telegram then sends an InaccessibleMessage (date 0)
            message = JSON.createObjectNode().put("message_id", messageId).put("date", 0);
            message.set("chat", TelegramObjects.privateChat(userId));
        }
        q.set("message", message);
        q.put("chat_instance", Long.toString(userId * 31 + 7));
        q.put("data", data);
        return q;
    }

    // ---- methods ------------------------------------------------------------------------------------

    private Mono<JsonNode> getUpdates(Map<String, String> p) {
        if (!webhookUrl().isEmpty()) {
            return Mono.error(new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                    + "use deleteWebhook to delete the webhook first", null));
        }
        long offset = RequestParams.longParam(p, "offset", 0);
        int limit = (int) Math.max(1, Math.min(100, RequestParams.longParam(p, "limit", 100)));
        long timeout = Math.max(0, RequestParams.longParam(p, "timeout", 0));
        return updates.poll(offset, limit, Duration.ofSeconds(timeout), timer).map(list -> {
            ArrayNode result = JSON.createArrayNode();
            result.addAll(list);
            return result;
        });
    }

    private JsonNode setWebhook(Map<String, String> p) {
        synchronized (lock) {
            webhookUrl = p.getOrDefault("url", "");
            webhookSecret = p.get("secret_token");
        }
        return BooleanNode.TRUE;
    }

    private JsonNode webhookInfo() {
        ObjectNode info = JSON.createObjectNode();
        info.put("url", webhookUrl());
        info.put("has_custom_certificate", false);
        info.put("pending_update_count", updates.size());
        return info;
    }

    private JsonNode answerCallbackQuery(Map<String, String> p) {
        String id = p.getOrDefault("callback_query_id", "");
        String text = p.get("text");
        if (text != null && text.length() > 200) {
            throw ApiError.badRequest("MESSAGE_TOO_LONG");
        }
        synchronized (lock) {
            if (!openQueries.remove(id)) {
                throw ApiError.badRequest("query is too old and response timeout expired or query ID is invalid");
            }
        }
        return BooleanNode.TRUE;
    }

    private JsonNode editMessageReplyMarkup(Map<String, String> p) {
        if (p.containsKey("inline_message_id")) {
            return BooleanNode.TRUE;
        }
        long chatId = RequestParams.chatId(p);
        int messageId = (int) RequestParams.longParam(p, "message_id", -1);
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode edited = history.edit(chatId, messageId, m -> {
            JsonNode old = m.get("reply_markup");
            if (old == null ? markup == null : old.equals(markup)) {
                throw ApiError.badRequest("message is not modified: specified new message content and reply markup "
                        + "are exactly the same as a current content and reply markup of the message");
            }
            if (markup == null) {
                m.remove("reply_markup");
            } else {
                m.set("reply_markup", markup);
            }
            m.put("edit_date", TelegramObjects.now());
            return m;
        });
        if (edited == null) {
            throw ApiError.badRequest("message to edit not found");
        }
        return edited;
    }

    // ---- kept messages ------------------------------------------------------------------------------

    /** Off: sent messages are not kept (a benchmark sends more than a test heap would hold). */
    void keepMessages(boolean on) {
        history.keepMessages(on);
    }

    /** Keeps the newest {@code keep} message ids of every chat (older ones answer callbacks as inaccessible). */
    void forgetOldMessages(int keep) {
        history.forgetOldMessages(keep);
    }
}
