/** Local stand-ins for the outside world (Telegram Bot API, t.me pages) used by tests and the demo. */
package io.tidings.testkit;
