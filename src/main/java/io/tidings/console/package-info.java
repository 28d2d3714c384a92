/** The operator's web console under {@code /console}: passwordless sign-in, JSON views over the store, pages and actions with an audit trail. */
package io.tidings.console;
