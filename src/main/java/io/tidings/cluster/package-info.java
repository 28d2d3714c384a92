/** Replicas coordinating through PostgreSQL only: registry, leases, trainer lock, model announcements, send budget. */
package io.tidings.cluster;
