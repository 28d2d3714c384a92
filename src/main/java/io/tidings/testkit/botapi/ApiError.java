package io.tidings.testkit.botapi;

/** A Telegram error answer raised inside a handler; carries no stack trace (it is an answer, not a bug). */
final class ApiError extends RuntimeException {

    final int status;
    final Integer retryAfter;

    ApiError(int status, String description, Integer retryAfter) {
        super(description, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    static ApiError badRequest(String what) {
        return new ApiError(400, "Bad Request: " + what, null);
    }

    static ApiError of(Fault fault) {
        return new ApiError(fault.status(), fault.description(), fault.retryAfterSeconds());
    }
}
