package dev.vigil.models.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads one JavaScript literal (object, array, string, number, boolean, null) as minifiers
 * write it, into a Jackson tree, without evaluating any code: unquoted keys, single- or
 * double-quoted strings, {@code .5}, {@code 1e-5}, {@code !0}/{@code !1} for true/false and
 * {@code void 0} for undefined (read as null). Anything else (a call, an operator, a
 * reference to a variable) is refused with its offset, so a bundle that computes its model
 * instead of stating it is never half-read. Not thread-safe: one instance reads one text.
 */
public final class JsLiteralReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String text;
    private int pos;

    public JsLiteralReader(String text, int start) {
        this.text = text;
        this.pos = start;
    }

    /** Offset just after the last literal read. */
    public int position() {
        return pos;
    }

    public JsonNode readValue() {
        skipSpace();
        if (pos >= text.length()) {
            throw error("a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject();
            case '[' -> readArray();
            case '"', '\'' -> NODES.textNode(readString());
            case '!' -> readNegatedNumber();
            default -> {
                if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
                    yield readNumber();
                }
                if (startsWithWord("true")) {
                    pos += 4;
                    yield NODES.booleanNode(true);
                }
                if (startsWithWord("false")) {
                    pos += 5;
                    yield NODES.booleanNode(false);
                }
                if (startsWithWord("null")) {
                    pos += 4;
                    yield NODES.nullNode();
                }
                if (text.startsWith("void 0", pos)) {
                    pos += 6;
                    yield NODES.nullNode();
                }
                throw error("a literal value");
            }
        };
    }

    private ObjectNode readObject() {
        ObjectNode object = NODES.objectNode();
        pos++; // '{'
        skipSpace();
        if (peek() == '}') {
            pos++;
            return object;
        }
        while (true) {
            skipSpace();
            String key = readKey();
            skipSpace();
            expect(':');
            object.set(key, readValue());
            skipSpace();
            char c = next("',' or '}'");
            if (c == '}') {
                return object;
            }
            if (c != ',') {
                pos--;
                throw error("',' or '}'");
            }
        }
    }

    private ArrayNode readArray() {
        ArrayNode array = NODES.arrayNode();
        pos++; // '['
        skipSpace();
        if (peek() == ']') {
            pos++;
            return array;
        }
        while (true) {
            array.add(readValue());
            skipSpace();
            char c = next("',' or ']'");
            if (c == ']') {
                return array;
            }
            if (c != ',') {
                pos--;
                throw error("',' or ']'");
            }
        }
    }

    private String readKey() {
        char c = peek();
        if (c == '"' || c == '\'') {
            return readString();
        }
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_' || text.charAt(pos) == '$')) {
            pos++;
        }
        if (start == pos) {
            throw error("a property name");
        }
        return text.substring(start, pos);
    }

    private String readString() {
        char quote = text.charAt(pos++);
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = next("the closing quote");
            if (c == quote) {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = next("an escape");
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case '0' -> out.append('\0');
                case 'x' -> out.append((char) hex(2));
                case 'u' -> out.append((char) hex(4));
                case '\n' -> { } // line continuation
                default -> out.append(e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > text.length()) {
            throw error(digits + " hex digits");
        }
        try {
            int v = Integer.parseInt(text.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error(digits + " hex digits");
        }
    }

    private JsonNode readNegatedNumber() {
        // minifiers write true as !0 and false as !1
        pos++;
        char c = next("0 or 1 after '!'");
        if (c == '0') {
            return NODES.booleanNode(true);
        }
        if (c == '1') {
            return NODES.booleanNode(false);
        }
        pos--;
        throw error("0 or 1 after '!'");
    }

    private JsonNode readNumber() {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        while (pos < text.length()) {
            char c = text.charAt(pos);
            boolean exponentSign = (c == '-' || c == '+') && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E');
            if (Character.isDigit(c) || c == '.' || c == 'e' || c == 'E' || exponentSign) {
                pos++;
            } else {
                break;
            }
        }
        String literal = text.substring(start, pos);
        try {
            if (literal.matches("[-+]?\\d+") && literal.length() < 16) {
                return NODES.numberNode(Long.parseLong(literal));
            }
            return NODES.numberNode(Double.parseDouble(literal));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("a number");
        }
    }

    private boolean startsWithWord(String word) {
        int end = pos + word.length();
        return text.startsWith(word, pos) && (end >= text.length() || !Character.isLetterOrDigit(text.charAt(end)));
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next(String expected) {
        if (pos >= text.length()) {
            throw error(expected);
        }
        return text.charAt(pos++);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private IllegalArgumentException error(String expected) {
        String around = text.substring(pos, Math.min(text.length(), pos + 24));
        return new IllegalArgumentException("offset " + pos + ": found '" + around + "' (expected: " + expected + ")");
    }
}
