package io.tidings.ingest;

/**
 * The preview card Telegram draws under a post for its first link. Every field but {@code url} may be {@code null}.
 *
 * @param url         the previewed link (http or https)
 * @param siteName    e.g. "Python.org"
 * @param title       the page title
 * @param description the page description
 * @param imageUrl    the preview image, if any
 */
public record LinkPreview(String url, String siteName, String title, String description, String imageUrl) {
}
