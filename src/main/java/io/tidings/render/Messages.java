package io.tidings.render;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;

/** The bot's replies in Russian and English, chosen from the reader's Telegram language code. */
public final class Messages {

    private final Map<String, ResourceBundle> bundles = Map.of(
            "en", ResourceBundle.getBundle("i18n.messages", Locale.ROOT),
            "ru", ResourceBundle.getBundle("i18n.messages", Locale.forLanguageTag("ru")));

    /** Russian for ru, uk and be; English otherwise. */
    public static String languageOf(String telegramLanguageCode) {
        if (telegramLanguageCode == null) return "en";
        String l = telegramLanguageCode.toLowerCase(Locale.ROOT);
        return l.startsWith("ru") || l.startsWith("uk") || l.startsWith("be") ? "ru" : "en";
    }

    public String get(String language, String key, Object... args) {
        ResourceBundle b = bundles.getOrDefault(language, bundles.get("en"));
        String pattern = b.getString(key);
        return args.length == 0 ? pattern : new MessageFormat(pattern, Locale.ROOT).format(args);
    }

    /** Keys of one language, for the test that both bundles say everything. */
    java.util.Set<String> keys(String language) {
        return bundles.get(language).keySet();
    }
}
