/** The tidings command line on picocli: one class per command (run, demo, scrape, evaluate, tune, bench …). */
package io.tidings.cli;
