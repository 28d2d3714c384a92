package io.tidings.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tidings scrape NAME}: a channel's posts as JSON lines, read through TME_BASE_URL. */
@Command(name = "scrape", description = "Prints a public channel's posts (read through TME_BASE_URL) as JSON lines, "
        + "newest page first.")
final class ScrapeCommand extends Subcommand {

    @Parameters(paramLabel = "NAME", description = "channel: name, @name, t.me/name or t.me/s/name")
    String name;
    @Option(names = "--pages", paramLabel = "N", defaultValue = "1",
            description = "pages to read, walking back (default ${DEFAULT-VALUE}, at most " + IngestCommands.MAX_SCRAPE_PAGES + ")")
    int pages;

    @Override
    public Integer call() {
        return IngestCommands.scrape(name, positive(pages, "--pages"), config(), out(), err());
    }
}
