package dev.vigil.models;

/**
 * A TensorFlow.js model could not be converted: an unknown op, layer class or dtype, weights
 * that do not match the manifest, a malformed bundle. The message starts with the model name.
 */
public class ImportException extends ModelException {
    public ImportException(String model, String message) {
        super(model + ": " + message);
    }

    public ImportException(String model, String message, Throwable cause) {
        super(model + ": " + message, cause);
    }
}
