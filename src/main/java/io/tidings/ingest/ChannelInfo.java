package io.tidings.ingest;

import java.util.Objects;

/**
 * The header of a channel page.
 *
 * @param username    the username the page shows ({@code @name}, lower case), which differs from the requested one when
 *                    the name now belongs to another channel; {@code null} when the page shows none
 * @param title       display title (plain text, untrusted)
 * @param description description as plain text, empty when none
 * @param avatarUrl   the channel photo, or {@code null}
 * @param subscribers subscriber count as shown ("48.3K" → 48300), 0 when the page shows none
 */
public record ChannelInfo(String username, String title, String description, String avatarUrl, long subscribers) {

    public ChannelInfo {
        Objects.requireNonNull(title, "title");
        description = description == null ? "" : description;
    }
}
