/**
 * Choosing posts for readers: the in-memory fresh pool, each reader's candidate set (model score plus exploration
 * noise), the next post on demand, scheduled mailings, instant pushes, broadcasts, and readers' preferences.
 */
package io.tidings.feed;
