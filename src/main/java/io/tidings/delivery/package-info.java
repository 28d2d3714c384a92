/** Delivering: the outbox, the paced send loop that claims deliveries and sends them through the Telegram client. */
package io.tidings.delivery;
