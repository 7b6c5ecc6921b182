package dev.vigil.engine;

/**
 * Root of the errors the engine raises. Each subclass maps to one reason a verdict can give
 * and, in the server, to one protocol error code.
 */
public class GateException extends RuntimeException {
    public GateException(String message) {
        super(message);
    }

    public GateException(String message, Throwable cause) {
        super(message, cause);
    }
}
