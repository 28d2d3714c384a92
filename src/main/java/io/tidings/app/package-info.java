/** Wiring, configuration and the command line: run, demo and the other tidings commands. */
package io.tidings.app;
