package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** README's configuration table and {@link Settings} say the same: one row per declared variable, same default and line. */
class SettingsReadmeTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([A-Z0-9_]+)` \\| (.*?) \\| (.*) \\|$");

    @Test
    void readmeTableEqualsTheDeclarations() throws IOException {
        Map<String, String> readme = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            if (line.equals("## Configuration")) inTable = true;
            else if (line.startsWith("## ")) inTable = false;
            Matcher m = ROW.matcher(line);
            if (inTable && m.matches()) readme.put(m.group(1), "| `" + m.group(1) + "` | " + m.group(2) + " | " + m.group(3) + " |");
        }
        Map<String, String> declared = new LinkedHashMap<>();
        for (Setting<?> s : Settings.ALL) {
            declared.put(s.name(), "| `" + s.name() + "` | " + s.shownDefault() + " | " + s.doc() + " |");
        }
        assertThat(readme.keySet()).as("variables in README").containsExactlyElementsOf(declared.keySet());
        assertThat(readme).as("README rows (name, default, meaning)").containsExactlyEntriesOf(declared);
    }
}
