/** Small primitive collections shared by the model and the feed. */
package io.tidings.util;
