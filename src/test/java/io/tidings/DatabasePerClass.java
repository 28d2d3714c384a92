package io.tidings;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Lends every test class its own embedded PostgreSQL while it runs, as classes run side by side in one JVM
 * ({@link TestDatabase}); registered for every class by JUnit's extension auto-detection (junit-platform.properties).
 */
public final class DatabasePerClass implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        TestDatabase.classStarted();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TestDatabase.classFinished();
    }
}
