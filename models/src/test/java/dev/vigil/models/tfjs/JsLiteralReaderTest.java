package dev.vigil.models.tfjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class JsLiteralReaderTest {

    @Test
    void readsWhatMinifiersWrite() {
        String js = "x={a:1,\"b c\":'q\\'s',sparse:!1,trainable:!0,n:null,u:void 0,f:.03262,e:-1.5e-7,big:8.999999749903509e-7,"
                + "arr:[[0,1],[]],s:\"\\u0041\\x42\\n\",$k:{}}";
        JsLiteralReader reader = new JsLiteralReader(js, 2);
        JsonNode v = reader.readValue();
        assertEquals(1, v.get("a").asInt());
        assertEquals("q's", v.get("b c").asText());
        assertEquals(false, v.get("sparse").asBoolean());
        assertEquals(true, v.get("trainable").asBoolean());
        assertTrue(v.get("n").isNull());
        assertTrue(v.get("u").isNull());
        assertEquals(0.03262, v.get("f").asDouble());
        assertEquals(-1.5e-7, v.get("e").asDouble());
        assertEquals(8.999999749903509e-7, v.get("big").asDouble());
        assertEquals("[[0,1],[]]", v.get("arr").toString());
        assertEquals("AB\n", v.get("s").asText());
        assertTrue(v.get("$k").isObject());
        assertEquals(js.length(), reader.position());
    }

    @Test
    void refusesCodeWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JsLiteralReader("{a:atob(\"AA\")}", 0).readValue());
        assertTrue(e.getMessage().startsWith("offset 3: found 'atob"), e.getMessage());
        assertTrue(e.getMessage().contains("expected: a literal value"), e.getMessage());
    }

    @Test
    void refusesUnterminatedString() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new JsLiteralReader("\"abc", 0).readValue());
        assertTrue(e.getMessage().contains("the closing quote"), e.getMessage());
    }
}
