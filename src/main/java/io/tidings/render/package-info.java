/** What a reader sees: posts rendered to Telegram messages, signed button data, texts in Russian and English. */
package io.tidings.render;
