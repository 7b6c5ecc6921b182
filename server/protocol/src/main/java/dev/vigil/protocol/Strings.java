package dev.vigil.protocol;

import java.nio.charset.StandardCharsets;

/** Checks for the protocol's u16-length strings. */
final class Strings {
    private Strings() {
    }

    /** Throws when {@code value} is null or longer than a u16 length can say, in UTF-8. */
    static String check(String field, String value) {
        if (value == null) {
            throw new NullPointerException(field);
        }
        int bytes = utf8Length(value);
        if (bytes > FrameLayout.MAX_STRING_BYTES) {
            throw new IllegalArgumentException(field + ": " + bytes + " bytes (expected: <= " + FrameLayout.MAX_STRING_BYTES + ")");
        }
        return value;
    }

    /** {@code value} cut at a character boundary so that it fits a u16-length string (for human-readable messages). */
    static String fit(String value) {
        if (value == null) {
            return "";
        }
        if (utf8Length(value) <= FrameLayout.MAX_STRING_BYTES) {
            return value;
        }
        String ellipsis = "...";
        int budget = FrameLayout.MAX_STRING_BYTES - ellipsis.length();
        int end = 0;
        int used = 0;
        while (end < value.length()) {
            int cp = value.codePointAt(end);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + n > budget) {
                break;
            }
            used += n;
            end += Character.charCount(cp);
        }
        return value.substring(0, end) + ellipsis;
    }

    static int utf8Length(String value) {
        return io.netty.buffer.ByteBufUtil.utf8Bytes(value);
    }
}
