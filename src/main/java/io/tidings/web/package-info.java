/** The HTTP face of a replica: health and readiness probes, Prometheus metrics, and the Telegram webhook with its durable inbox. */
package io.tidings.web;
