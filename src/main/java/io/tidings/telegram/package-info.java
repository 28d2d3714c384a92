/** Talking to Telegram: the reactive pengrad client, updates, the bot's commands and buttons. */
package io.tidings.telegram;
