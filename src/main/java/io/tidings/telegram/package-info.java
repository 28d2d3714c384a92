/** The Telegram Bot API client only: the reactive pengrad gateway with typed errors, long polling and token redaction. */
package io.tidings.telegram;
