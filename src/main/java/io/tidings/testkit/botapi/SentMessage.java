package io.tidings.testkit.botapi;

import java.util.List;

/**
 * A message the bot sent through the {@link LocalBotApiServer}, as a simulated reader sees it.
 *
 * @param chatId       the chat it went to
 * @param messageId    its id in that chat
 * @param method       sendMessage, sendPhoto, sendMediaGroup, sendDocument or copyMessage
 * @param text         the text of a text message (for sendDocument: the file's content, UTF-8), else null
 * @param caption      the caption of a photo, else null
 * @param photoUrls    the photo URL(s) sent, empty for text
 * @param buttons      the inline keyboard, row by row flattened
 * @param mediaGroupId the album id for sendMediaGroup parts, else null
 */
public record SentMessage(long chatId, int messageId, String method, String text, String caption,
                          List<String> photoUrls, List<Button> buttons, String mediaGroupId) {

    public SentMessage {
        photoUrls = List.copyOf(photoUrls);
        buttons = List.copyOf(buttons);
    }

    /** The text, or the caption for a photo. */
    public String textOrCaption() {
        return text != null ? text : caption;
    }

    /** The first button whose text contains {@code label}, or null. */
    public Button button(String label) {
        return buttons.stream().filter(b -> b.text().contains(label)).findFirst().orElse(null);
    }

    /** An inline button: its label, its callback data (null for URL buttons) and URL (null for callback buttons). */
    public record Button(String text, String callbackData, String url) {
    }
}
