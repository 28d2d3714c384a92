/**
 * Configuration and running a replica: the declared settings, their binding into the packages' records, the wiring
 * in data-flow order, the lifecycle that closes what was opened, and the update router.
 */
package io.tidings.app;
