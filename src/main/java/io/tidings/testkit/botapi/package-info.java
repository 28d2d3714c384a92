/** A local Telegram Bot API server on loopback, with recorded calls, pushed updates and injected faults. */
package io.tidings.testkit.botapi;
