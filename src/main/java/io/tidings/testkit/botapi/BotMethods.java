package io.tidings.testkit.botapi;

import static io.tidings.testkit.botapi.TelegramObjects.JSON;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** The Bot API methods of the {@link LocalBotApiServer}, with Telegram's validation and message state. */
final class BotMethods {

    static final int MAX_TEXT = 4096;
    static final int MAX_CAPTION = 1024;
    private static final Set<String> SENDS = Set.of("sendmessage", "sendphoto", "sendmediagroup", "copymessage",
            "senddocument");
    /** Bots may upload files up to 50 MB. */
    static final int MAX_UPLOAD = 50 << 20;

    private final Map<String, Function<Map<String, String>, Mono<JsonNode>>> handlers = new HashMap<>();
    private final Object lock = new Object();
    private final Map<Long, Chat> chats = new HashMap<>();
    private final Set<String> openQueries = new HashSet<>();
    private final AtomicLong mediaGroups = new AtomicLong();
    private final ObjectNode botUser;
    private final UpdateQueue updates;
    private final SendLimits limits;
    private final Scheduler timer;
    private final Consumer<List<SentMessage>> onSent;
    private String webhookUrl = "";
    private String webhookSecret;

    BotMethods(long botId, String botUsername, UpdateQueue updates, SendLimits limits, Scheduler timer,
               Consumer<List<SentMessage>> onSent) {
        this.botUser = TelegramObjects.bot(botId, botUsername);
        this.updates = updates;
        this.limits = limits;
        this.timer = timer;
        this.onSent = onSent;
        sync("getMe", p -> botUser.deepCopy());
        handlers.put("getupdates", this::getUpdates);
        sync("setWebhook", this::setWebhook);
        sync("deleteWebhook", p -> setWebhook(Map.of("url", "")));
        sync("getWebhookInfo", p -> webhookInfo());
        sync("sendMessage", this::sendMessage);
        sync("sendPhoto", this::sendPhoto);
        sync("sendDocument", this::sendDocument);
        sync("sendMediaGroup", this::sendMediaGroup);
        for (String kind : new String[] {"video", "animation", "voice", "audio"}) {
            String method = "send" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
            sync(method, p -> sendFile(method, kind, p));
        }
        sync("copyMessage", this::copyMessage);
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
            Long chat = numericChatId(params);
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
        ObjectNode m = TelegramObjects.message(nextMessageId(userId), TelegramObjects.reader(userId, languageCode),
                userId, now());
        TelegramObjects.putTextWithCommands(m, text);
        return m;
    }

    ObjectNode callbackQuery(int updateId, long userId, int messageId, String data) {
        String id = Long.toUnsignedString(userId * 1_000_003L + updateId);
        ObjectNode q = JSON.createObjectNode();
        q.put("id", id);
        q.set("from", TelegramObjects.reader(userId, null));
        ObjectNode message;
        synchronized (lock) {
            openQueries.add(id);
            ObjectNode stored = chat(userId).messages.get(messageId);
            message = stored != null ? stored.deepCopy() : null;
        }
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
        long offset = longParam(p, "offset", 0);
        int limit = (int) Math.max(1, Math.min(100, longParam(p, "limit", 100)));
        long timeout = Math.max(0, longParam(p, "timeout", 0));
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

    private JsonNode sendMessage(Map<String, String> p) {
        long chatId = chatId(p);
        String text = p.getOrDefault("text", "");
        if (text.isBlank()) {
            throw ApiError.badRequest("message text is empty");
        }
        if (text.length() > MAX_TEXT) {
            throw ApiError.badRequest("message is too long");
        }
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode m = outgoing(chatId, markup);
        m.put("text", text);
        int id = m.get("message_id").asInt();
        return store(m, new SentMessage(chatId, id, "sendMessage", text, null, List.of(), buttons, null));
    }

    /** An uploaded document; the recorded message's text is the file's content (UTF-8), for tests to read. */
    private JsonNode sendDocument(Map<String, String> p) {
        long chatId = chatId(p);
        String document = p.get("document");
        if (document == null || document.isBlank()) {
            throw ApiError.badRequest("there is no document in the request");
        }
        String content = p.getOrDefault("document.content", "");
        if (content.length() > MAX_UPLOAD) {
            throw ApiError.badRequest("file is too big");
        }
        String caption = caption(p.get("caption"));
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode m = outgoing(chatId, markup);
        ObjectNode doc = m.putObject("document");
        doc.put("file_id", "doc" + m.get("message_id").asInt());
        doc.put("file_unique_id", "udoc" + m.get("message_id").asInt());
        doc.put("file_name", document.startsWith("attach://") ? document.substring(9) : document);
        if (caption != null) {
            m.put("caption", caption);
        }
        int id = m.get("message_id").asInt();
        // an upload's content is the text tests read; a URL or file id Telegram fetches itself is kept as the file
        List<String> file = document.startsWith("attach://") || !content.isEmpty() ? List.of() : List.of(document);
        return store(m, new SentMessage(chatId, id, "sendDocument", content.isEmpty() ? null : content, caption, file,
                buttons, null));
    }

    /**
     * sendVideo, sendAnimation, sendVoice, sendAudio with a URL or a file id (Telegram fetches a URL itself; a test
     * makes it refuse one with a {@link Fault}). The recorded message's {@code photoUrls} holds the file.
     */
    private JsonNode sendFile(String method, String kind, Map<String, String> p) {
        long chatId = chatId(p);
        String file = p.get(kind);
        if (file == null || file.isBlank()) {
            throw ApiError.badRequest("there is no " + kind + " in the request");
        }
        String caption = caption(p.get("caption"));
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode m = outgoing(chatId, markup);
        ObjectNode media = m.putObject(kind);
        media.put("file_id", kind + m.get("message_id").asInt());
        media.put("file_unique_id", "u" + kind + m.get("message_id").asInt());
        media.put("duration", 1);
        if (!kind.equals("voice") && !kind.equals("audio")) {
            media.put("width", 640);
            media.put("height", 360);
        }
        if (caption != null) {
            m.put("caption", caption);
        }
        int id = m.get("message_id").asInt();
        return store(m, new SentMessage(chatId, id, method, null, caption, List.of(file), buttons, null));
    }

    private JsonNode sendPhoto(Map<String, String> p) {
        long chatId = chatId(p);
        String photo = p.get("photo");
        if (photo == null || photo.isBlank()) {
            throw ApiError.badRequest("there is no photo in the request");
        }
        String caption = caption(p.get("caption"));
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode m = outgoing(chatId, markup);
        m.set("photo", TelegramObjects.photoSizes(photo));
        if (caption != null) {
            m.put("caption", caption);
        }
        int id = m.get("message_id").asInt();
        return store(m, new SentMessage(chatId, id, "sendPhoto", null, caption, List.of(photo), buttons, null));
    }

    private JsonNode sendMediaGroup(Map<String, String> p) {
        long chatId = chatId(p);
        JsonNode media;
        try {
            media = JSON.readTree(p.getOrDefault("media", ""));
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("can't parse media JSON object");
        }
        if (media == null || !media.isArray() || media.size() < 2 || media.size() > 10) {
            throw ApiError.badRequest("wrong number of media in the album: must be 2-10");
        }
        for (JsonNode item : media) {
            if (item.path("media").asText("").isBlank()) {
                throw ApiError.badRequest("there is no media in the request");
            }
            caption(item.hasNonNull("caption") ? item.get("caption").asText() : null);
        }
        String group = Long.toString(13_000_000_000_000_000L + mediaGroups.incrementAndGet());
        ArrayNode result = JSON.createArrayNode();
        List<SentMessage> sent = new ArrayList<>();
        for (JsonNode item : media) {
            String url = item.get("media").asText();
            String caption = item.hasNonNull("caption") ? item.get("caption").asText() : null;
            ObjectNode m = outgoing(chatId, null);
            m.put("media_group_id", group);
            m.set("photo", TelegramObjects.photoSizes(url));
            if (caption != null) {
                m.put("caption", caption);
            }
            int id = m.get("message_id").asInt();
            result.add(m.deepCopy()); // before it is published: a stored node is never touched again
            remember(m);
            sent.add(new SentMessage(chatId, id, "sendMediaGroup", null, caption, List.of(url), List.of(), group));
        }
        onSent.accept(sent);
        return result;
    }

    private JsonNode copyMessage(Map<String, String> p) {
        long chatId = chatId(p);
        long from = longParam(p, "from_chat_id", Long.MIN_VALUE);
        int messageId = (int) longParam(p, "message_id", -1);
        ObjectNode source;
        synchronized (lock) {
            Chat c = chats.get(from);
            source = c == null ? null : c.messages.get(messageId);
        }
        if (source == null) {
            throw ApiError.badRequest("message to copy not found");
        }
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        ObjectNode m = outgoing(chatId, markup);
        for (String field : List.of("text", "caption", "photo", "entities")) {
            if (source.has(field)) {
                m.set(field, source.get(field).deepCopy());
            }
        }
        int id = m.get("message_id").asInt();
        String photo = source.has("photo") ? "copy-of:" + from + "/" + messageId : null;
        store(m, new SentMessage(chatId, id, "copyMessage", source.path("text").asText(null),
                source.path("caption").asText(null), photo == null ? List.of() : List.of(photo), buttons, null));
        return JSON.createObjectNode().put("message_id", id);
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
        long chatId = chatId(p);
        int messageId = (int) longParam(p, "message_id", -1);
        List<SentMessage.Button> buttons = new ArrayList<>();
        ObjectNode markup = TelegramObjects.inlineKeyboard(p.get("reply_markup"), buttons);
        synchronized (lock) { // stored nodes are never mutated: readers copy them outside the lock
            Chat chat = chat(chatId);
            ObjectNode stored = chat.messages.get(messageId);
            if (stored == null) {
                throw ApiError.badRequest("message to edit not found");
            }
            JsonNode old = stored.get("reply_markup");
            if (old == null ? markup == null : old.equals(markup)) {
                throw ApiError.badRequest("message is not modified: specified new message content and reply markup "
                        + "are exactly the same as a current content and reply markup of the message");
            }
            ObjectNode m = stored.deepCopy();
            if (markup == null) {
                m.remove("reply_markup");
            } else {
                m.set("reply_markup", markup);
            }
            m.put("edit_date", now());
            ObjectNode answer = m.deepCopy();
            if (keep) {
                chat.messages.put(messageId, m);
            }
            return answer;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private ObjectNode outgoing(long chatId, ObjectNode markup) {
        ObjectNode m = TelegramObjects.message(nextMessageId(chatId), botUser.deepCopy(), chatId, now());
        if (markup != null) {
            m.set("reply_markup", markup);
        }
        return m;
    }

    /** Copies the answer, then publishes the node (never to be mutated again), then tells the watchers. */
    private JsonNode store(ObjectNode m, SentMessage sent) {
        JsonNode answer = m.deepCopy();
        remember(m);
        onSent.accept(List.of(sent));
        return answer;
    }

    /** Off: sent messages are not kept (a benchmark sends more than a test heap would hold). */
    private volatile boolean keep = true;

    void keepMessages(boolean on) {
        keep = on;
    }

    /** Keeps the newest {@code keep} message ids of every chat (older ones answer callbacks as inaccessible). */
    void forgetOldMessages(int keep) {
        synchronized (lock) {
            for (Chat c : chats.values()) {
                int last = c.lastMessageId;
                c.messages.keySet().removeIf(id -> id <= last - keep);
            }
        }
    }

    private void remember(ObjectNode m) {
        if (!keep) return;
        synchronized (lock) {
            chat(m.get("chat").get("id").asLong()).messages.put(m.get("message_id").asInt(), m);
        }
    }

    private int nextMessageId(long chatId) {
        synchronized (lock) {
            return ++chat(chatId).lastMessageId;
        }
    }

    private Chat chat(long chatId) {
        return chats.computeIfAbsent(chatId, id -> new Chat());
    }

    private static String caption(String caption) {
        if (caption != null && caption.length() > MAX_CAPTION) {
            throw ApiError.badRequest("message caption is too long");
        }
        return caption;
    }

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

    private static long chatId(Map<String, String> p) {
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

    private static long longParam(Map<String, String> p, String name, long fallback) {
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

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static final class Chat {
        int lastMessageId;
        final Map<Integer, ObjectNode> messages = new HashMap<>();
    }
}
