/** PostgreSQL storage: embedded or external database, Flyway migrations and R2DBC repositories. */
package io.tidings.store;
