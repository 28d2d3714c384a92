package io.tidings.testkit.botapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Telegram objects (User, Chat, Message, Update, answers) in the JSON shapes of the real Bot API. */
final class TelegramObjects {

    static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern COMMAND = Pattern.compile("(?<![\\S])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?");
    private static final int MAX_CALLBACK_DATA_BYTES = 64;

    private TelegramObjects() {
    }

    static ObjectNode ok(JsonNode result) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ok", true);
        body.set("result", result);
        return body;
    }

    static ObjectNode error(int status, String description, Integer retryAfter) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ok", false);
        body.put("error_code", status);
        body.put("description", description);
        if (retryAfter != null) {
            body.putObject("parameters").put("retry_after", retryAfter);
        }
        return body;
    }

    static ObjectNode bot(long id, String username) {
        ObjectNode user = JSON.createObjectNode();
        user.put("id", id);
        user.put("is_bot", true);
        user.put("first_name", "Tidings (local)");
        user.put("username", username);
        user.put("can_join_groups", false);
        user.put("can_read_all_group_messages", false);
        user.put("supports_inline_queries", false);
        return user;
    }

    static ObjectNode reader(long id, String languageCode) {
        ObjectNode user = JSON.createObjectNode();
        user.put("id", id);
        user.put("is_bot", false);
        user.put("first_name", "Reader " + id);
        if (languageCode != null) {
            user.put("language_code", languageCode);
        }
        return user;
    }

    static ObjectNode privateChat(long id) {
        ObjectNode chat = JSON.createObjectNode();
        chat.put("id", id);
        chat.put("type", "private");
        chat.put("first_name", "Reader " + id);
        return chat;
    }

    static ObjectNode message(int messageId, ObjectNode from, long chatId, long epochSeconds) {
        ObjectNode m = JSON.createObjectNode();
        m.put("message_id", messageId);
        m.set("from", from);
        m.set("chat", privateChat(chatId));
        m.put("date", epochSeconds);
        return m;
    }

    /** Adds text and, for /commands in it, {@code bot_command} entities (offsets in UTF-16 units, as Telegram's). */
    static void putTextWithCommands(ObjectNode message, String text) {
        message.put("text", text);
        Matcher m = COMMAND.matcher(text);
        ArrayNode entities = null;
        while (m.find()) {
            if (entities == null) {
                entities = message.putArray("entities");
            }
            entities.addObject().put("type", "bot_command").put("offset", m.start()).put("length", m.end() - m.start());
        }
    }

    static ArrayNode photoSizes(String url) {
        String id = Integer.toHexString(url.hashCode());
        ArrayNode sizes = JSON.createArrayNode();
        sizes.addObject().put("file_id", "AgAD" + id + "s").put("file_unique_id", "s" + id)
                .put("width", 90).put("height", 90).put("file_size", 1200);
        sizes.addObject().put("file_id", "AgAD" + id + "m").put("file_unique_id", "m" + id)
                .put("width", 800).put("height", 800).put("file_size", 64000);
        return sizes;
    }

    static ObjectNode update(int updateId) {
        ObjectNode u = JSON.createObjectNode();
        u.put("update_id", updateId);
        return u;
    }

    /**
     * Parses and validates a {@code reply_markup} parameter. Returns the markup to echo in the message (only
     * inline keyboards are echoed, as Telegram does) or null, and collects its buttons.
     */
    static ObjectNode inlineKeyboard(String replyMarkup, List<SentMessage.Button> buttons) {
        if (replyMarkup == null || replyMarkup.isBlank()) {
            return null;
        }
        JsonNode markup;
        try {
            markup = JSON.readTree(replyMarkup);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("can't parse reply keyboard markup JSON object");
        }
        if (!markup.isObject()) {
            throw ApiError.badRequest("can't parse reply keyboard markup JSON object");
        }
        JsonNode rows = markup.get("inline_keyboard");
        if (rows == null) {
            return null;
        }
        if (!rows.isArray()) {
            throw ApiError.badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
        }
        for (JsonNode row : rows) {
            if (!row.isArray()) {
                throw ApiError.badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
            }
            for (JsonNode button : row) {
                buttons.add(button(button));
            }
        }
        return (ObjectNode) markup;
    }

    private static SentMessage.Button button(JsonNode b) {
        String text = b.path("text").asText("");
        if (text.isEmpty()) {
            throw ApiError.badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        }
        String data = b.hasNonNull("callback_data") ? b.get("callback_data").asText() : null;
        String url = b.hasNonNull("url") ? b.get("url").asText() : null;
        if (data != null) {
            int bytes = data.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > MAX_CALLBACK_DATA_BYTES) {
                throw ApiError.badRequest("BUTTON_DATA_INVALID");
            }
        } else if (url == null) {
            throw ApiError.badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        }
        return new SentMessage.Button(text, data, url);
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Now as Telegram gives dates: seconds since the epoch. */
    static long now() {
        return java.time.Instant.now().getEpochSecond();
    }
}
