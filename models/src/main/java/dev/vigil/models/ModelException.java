package dev.vigil.models;

/**
 * Root of the errors the {@code models} module raises: a package that cannot be fetched or
 * verified, a model that cannot be imported, a repository entry that is missing or malformed.
 * Messages name the file or field, the value found and what was expected, so that one line
 * is enough for the person who reads it.
 */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
