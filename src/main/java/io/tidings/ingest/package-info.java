/** Reading public channels: fetching t.me/s pages, parsing posts and announcing new ones. */
package io.tidings.ingest;
