/** Wiring: reads the configuration, builds every part of a replica in data-flow order, starts its loops and stops them. */
package io.tidings.app;
