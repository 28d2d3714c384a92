/** The tidings command line: run, demo, scrape, evaluate, tune and the benches. */
package io.tidings.cli;
