package io.tidings.app;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.io.IOException;
import java.util.List;

/** A reader's side of a private chat in an {@link E2e} run: say something, wait for the reply, press buttons. */
final class Chat {

    private static final ObjectMapper JSON = new ObjectMapper();

    final E2e e2e;
    final long id;
    final String lang;

    Chat(E2e e2e, long id, String lang) {
        this.e2e = e2e;
        this.id = id;
        this.lang = lang;
    }

    /** Sends {@code text} and returns the next reply that is not a post. */
    SentMessage say(String text) {
        e2e.awaitUpdatesHandled(); // every reply to what came before is in: the next one answers this
        int before = replies().size();
        e2e.telegram.pushMessage(id, text, lang);
        E2e.await("a reply to " + abbreviate(text) + " in " + id, () -> replies().size() > before);
        return replies().get(before);
    }

    /** Like {@link #say}, and checks that no second reply follows (a stray "unknown" answer, say). */
    SentMessage sayOnce(String text) {
        int before = replies().size();
        SentMessage reply = say(text);
        e2e.awaitUpdatesHandled();
        List<SentMessage> after = replies();
        if (after.size() != before + 1) {
            fail("one reply to " + abbreviate(text) + " expected, got: " + after.subList(before, after.size()).stream()
                    .map(SentMessage::textOrCaption).toList());
        }
        return reply;
    }

    /** Pushes a raw update and returns the next reply that is not a post. */
    SentMessage push(String rawUpdate) {
        e2e.awaitUpdatesHandled();
        int before = replies().size();
        e2e.telegram.pushUpdate(rawUpdate);
        E2e.await("a reply to a raw update in " + id, () -> replies().size() > before);
        return replies().get(before);
    }

    /** Messages without vote buttons: the bot's replies. */
    List<SentMessage> replies() {
        return e2e.telegram.sentTo(id).stream().filter(m -> m.button("👍") == null).toList();
    }

    /** Presses a button of message {@code messageId} and returns the answer's text (the toast). */
    String press(int messageId, String callbackData) {
        int before = e2e.telegram.calls("answerCallbackQuery").size();
        e2e.telegram.pushCallbackQuery(id, messageId, callbackData);
        E2e.await("callback answered", () -> e2e.telegram.calls("answerCallbackQuery").size() > before);
        return e2e.telegram.calls("answerCallbackQuery").get(before).param("text");
    }

    /** Presses the button labelled {@code label} of a settings message and waits for its keyboard to change; returns the toast. */
    String pressSetting(SentMessage message, String label) {
        String data = button(message, label);
        int edits = e2e.telegram.calls("editMessageReplyMarkup").size();
        String toast = press(message.messageId(), data);
        E2e.await("keyboard edited after " + label, () -> e2e.telegram.calls("editMessageReplyMarkup").size() > edits);
        return toast;
    }

    /** The callback data of the button labelled {@code label} as the message's keyboard shows it now (after edits). */
    String button(SentMessage message, String label) {
        JsonNode keyboard = currentKeyboard(message);
        if (keyboard == null) {
            SentMessage.Button b = message.button(label);
            if (b == null) fail("no button " + label + " in " + message.buttons());
            return b.callbackData();
        }
        for (JsonNode row : keyboard.path("inline_keyboard")) {
            for (JsonNode b : row) if (b.path("text").asText().contains(label)) return b.path("callback_data").asText();
        }
        return fail("no button " + label + " in " + keyboard);
    }

    /** Labels of the message's current keyboard, row after row. */
    List<String> labels(SentMessage message) {
        JsonNode keyboard = currentKeyboard(message);
        if (keyboard == null) return message.buttons().stream().map(SentMessage.Button::text).toList();
        List<String> labels = new java.util.ArrayList<>();
        keyboard.path("inline_keyboard").forEach(row -> row.forEach(b -> labels.add(b.path("text").asText())));
        return labels;
    }

    private JsonNode currentKeyboard(SentMessage message) {
        List<RecordedCall> edits = e2e.telegram.calls("editMessageReplyMarkup").stream()
                .filter(c -> c.ok() && String.valueOf(message.messageId()).equals(c.param("message_id"))
                        && String.valueOf(id).equals(c.param("chat_id")))
                .toList();
        if (edits.isEmpty()) return null;
        String markup = edits.get(edits.size() - 1).param("reply_markup");
        if (markup == null) return JSON.createObjectNode();
        try {
            return JSON.readTree(markup);
        } catch (IOException e) {
            return fail("bad markup " + markup);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
