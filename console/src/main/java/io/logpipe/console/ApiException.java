package io.logpipe.console;

/**
 * A request another system refused or could not serve, with the HTTP status the console answers with (404 for
 * what does not exist, 409 for what Kafka forbids now, 502/503/504 for an unreachable or failing backend) and a
 * message that says why in that system's own words.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
