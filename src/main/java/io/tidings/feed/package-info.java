/** Choosing posts for readers: the in-memory fresh pool, candidate sets, pull, mailings, instant pushes and broadcasts. */
package io.tidings.feed;
