package dev.vigil.models.fetch;

import dev.vigil.models.ModelException;

/** A pinned package could not be fetched, verified against its pinned integrity, or unpacked. */
public class FetchException extends ModelException {
    public FetchException(String message) {
        super(message);
    }

    public FetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
