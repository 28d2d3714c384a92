/** Training in Java: votes in columns, the trainer and its optimiser step, and the background service that retrains and publishes versions. */
package io.tidings.model.train;
