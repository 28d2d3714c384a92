/** A local web server that serves channel pages in the real t.me/s markup, for tests and the demo. */
package io.tidings.testkit.channels;
