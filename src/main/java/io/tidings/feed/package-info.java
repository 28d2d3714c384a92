/** Choosing posts for readers: the in-memory fresh pool, ranking, mailings and the delivery outbox. */
package io.tidings.feed;
