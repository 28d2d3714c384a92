/** The bot's conversation: update routing, reader and operator commands, vote buttons, settings and the flood guard. */
package io.tidings.bot;
