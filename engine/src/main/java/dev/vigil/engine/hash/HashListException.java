package dev.vigil.engine.hash;

import dev.vigil.engine.GateException;

import java.nio.file.Path;

/**
 * A hash list could not be loaded: unreadable, or a line that is not a hash. The message
 * starts with {@code file:line:} (just {@code file:} when no one line is at fault), then
 * names the field, the value and what was expected.
 */
public class HashListException extends GateException {
    private final Path file;
    private final int line;

    public HashListException(Path file, int line, String message) {
        super(location(file, line) + message);
        this.file = file;
        this.line = line;
    }

    public HashListException(Path file, int line, String message, Throwable cause) {
        super(location(file, line) + message, cause);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line at fault, or 0 when the problem is the file as a whole. */
    public int line() {
        return line;
    }

    private static String location(Path file, int line) {
        return line > 0 ? file + ":" + line + ": " : file + ": ";
    }
}
