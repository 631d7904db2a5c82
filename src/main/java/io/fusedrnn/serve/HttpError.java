package io.fusedrnn.serve;

/** A request the HTTP front end answers with a 4xx/5xx status and {@code {"error": message}}. */
final class HttpError extends RuntimeException {
    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
