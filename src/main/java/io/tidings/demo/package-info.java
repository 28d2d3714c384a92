/** The demo and the fan-out bench: the real system against local stand-ins, with simulated readers. */
package io.tidings.demo;
