package io.tidings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every class {@link LongestFirst} names exists: a renamed class would silently lose its early start. */
class LongestFirstTest {

    @Test
    void everyListedClassIsATestClassOfThisBuild() throws IOException {
        Path tests = Path.of(System.getProperty("basedir", "."), "src", "test", "java");
        Set<String> classes;
        try (Stream<Path> files = Files.walk(tests)) {
            classes = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).collect(Collectors.toSet());
        }
        assertThat(classes).as("test classes under %s", tests).containsAll(LongestFirst.SECONDS.keySet());
    }
}
