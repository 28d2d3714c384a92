package io.tidings.app;

/**
 * What one process does (ROLE): {@code serve} takes updates, keeps every reader's candidate set, plans and sends,
 * and loads new model versions, but never trains (no training copies of the model in its heap); {@code train} only
 * trains and stores new versions (no candidate sets, no updates, no sending, no polling); {@code all}, the default,
 * does both in one process.
 */
public enum Role {
    SERVE, TRAIN, ALL;

    public boolean serves() {
        return this != TRAIN;
    }

    public boolean trains() {
        return this != SERVE;
    }

    /** Parses ROLE (case-insensitive); null or empty means {@link #ALL}. */
    public static Role parse(String value) {
        if (value == null || value.isBlank()) return ALL;
        try {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ROLE must be serve, train or all: " + value);
        }
    }
}
