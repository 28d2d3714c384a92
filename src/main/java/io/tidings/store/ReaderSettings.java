package io.tidings.store;

import java.time.LocalTime;
import java.util.List;

/**
 * What a reader chose in /settings. The mailing planner reads it: mailings at {@code mailingTimes} (or the service
 * default when {@code null}; none when empty) in {@code timeZone}, {@code postsPerMailing} posts each, only while the
 * reader is active; {@code instantPush} allows pushing a very good new post between mailings.
 *
 * @param adFilter     whether posts marked as advertising are kept from the reader (on by default)
 * @param digest       whether scheduled mailings come as one digest message (headlines with "full post" buttons)
 * @param mailingTimes the reader's own mailing times, sorted; {@code null} means the service default (MAILING_TIMES)
 */
public record ReaderSettings(long readerId, String language, String status, String timeZone,
                             List<LocalTime> mailingTimes, int postsPerMailing, boolean instantPush,
                             boolean adFilter, boolean digest) {

    public boolean paused() {
        return "paused".equals(status);
    }

    /** The times to use, with the service default for readers who did not choose. */
    public List<LocalTime> mailingTimesOr(List<LocalTime> serviceDefault) {
        return mailingTimes == null ? serviceDefault : mailingTimes;
    }
}
