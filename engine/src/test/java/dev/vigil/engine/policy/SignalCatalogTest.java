package dev.vigil.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalCatalogTest {
    @Test
    void builtInDeclaresTheDesignSignalsWithTheirRanges() {
        SignalCatalog catalog = SignalCatalog.builtIn();
        assertEquals(List.of("hash_match", "sexual", "suggestive", "drawing", "faces", "minor", "source_match", "protected_person"),
                List.copyOf(catalog.names()));
        assertEquals("a number in [0, 1]", catalog.signal("sexual").orElseThrow().rangeText());
        assertEquals("a number >= 0", catalog.signal("faces").orElseThrow().rangeText());
        assertTrue(catalog.signal("faces").orElseThrow().accepts(12));
        assertFalse(catalog.signal("minor").orElseThrow().accepts(1.01));
        assertFalse(catalog.signal("minor").orElseThrow().accepts(Double.NaN));
    }

    @Test
    void engineCodeAddsSignalsWithoutTouchingTheBuiltIns() {
        SignalCatalog extended = SignalCatalog.builtIn().toBuilder()
                .add("violence", 0, 1, "violence classifier probability")
                .build();
        assertTrue(extended.signal("violence").isPresent());
        assertFalse(SignalCatalog.builtIn().signal("violence").isPresent());
    }

    @Test
    void rejectsDuplicateReservedAndMalformedNamesAndEmptyRanges() {
        SignalCatalog.Builder builder = SignalCatalog.builtIn().toBuilder();
        assertEquals("signal: sexual (expected: a name not yet in the catalogue)",
                assertThrows(IllegalArgumentException.class, () -> builder.add("sexual", 0, 1, "again")).getMessage());
        assertEquals("signal name: any (expected: [a-z][a-z0-9_]*, not all, any or not)",
                assertThrows(IllegalArgumentException.class, () -> builder.add("any", 0, 1, "")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.add("Bad-Name", 0, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> builder.add("inverted", 1, 0, ""));
        assertThrows(IllegalArgumentException.class, () -> builder.add("nan", Double.NaN, 1, ""));
    }
}
