package io.tidings.testkit.botapi;

import static io.tidings.testkit.botapi.TelegramObjects.JSON;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The Bot API's sending methods (sendMessage, sendPhoto, sendDocument, sendVideo and its kin, sendMediaGroup,
 * copyMessage) with Telegram's validation: each sent message gets the chat's next id, is kept in the
 * {@link ChatHistory} and told to the watchers as a {@link SentMessage}.
 */
final class BotSends {

    static final int MAX_TEXT = 4096;
    static final int MAX_CAPTION = 1024;
    /** Bots may upload files up to 50 MB. */
    static final int MAX_UPLOAD = 50 << 20;

    private final ObjectNode botUser;
    private final ChatHistory history;
    private final Consumer<List<SentMessage>> onSent;
    private final AtomicLong mediaGroups = new AtomicLong();

    BotSends(ObjectNode botUser, ChatHistory history, Consumer<List<SentMessage>> onSent) {
        this.botUser = botUser;
        this.history = history;
        this.onSent = onSent;
    }

    JsonNode sendMessage(Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
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
    JsonNode sendDocument(Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
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
    JsonNode sendFile(String method, String kind, Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
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

    JsonNode sendPhoto(Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
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

    JsonNode sendMediaGroup(Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
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
            history.remember(m);
            sent.add(new SentMessage(chatId, id, "sendMediaGroup", null, caption, List.of(url), List.of(), group));
        }
        onSent.accept(sent);
        return result;
    }

    JsonNode copyMessage(Map<String, String> p) {
        long chatId = RequestParams.chatId(p);
        long from = RequestParams.longParam(p, "from_chat_id", Long.MIN_VALUE);
        int messageId = (int) RequestParams.longParam(p, "message_id", -1);
        ObjectNode source;
        source = history.copyOf(from, messageId);
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

    // ---- helpers ------------------------------------------------------------------------------------

    private ObjectNode outgoing(long chatId, ObjectNode markup) {
        ObjectNode m = TelegramObjects.message(history.nextMessageId(chatId), botUser.deepCopy(), chatId, TelegramObjects.now());
        if (markup != null) {
            m.set("reply_markup", markup);
        }
        return m;
    }

    /** Copies the answer, then publishes the node (never to be mutated again), then tells the watchers. */
    private JsonNode store(ObjectNode m, SentMessage sent) {
        JsonNode answer = m.deepCopy();
        history.remember(m);
        onSent.accept(List.of(sent));
        return answer;
    }

    private static String caption(String caption) {
        if (caption != null && caption.length() > MAX_CAPTION) {
            throw ApiError.badRequest("message caption is too long");
        }
        return caption;
    }
}
