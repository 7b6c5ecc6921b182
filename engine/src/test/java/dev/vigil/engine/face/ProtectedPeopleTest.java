package dev.vigil.engine.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectedPeopleTest {
    @TempDir
    Path dir;

    /** 1 - (Euclidean distance / 2) on unit vectors: enough to check the registry's own logic. */
    static final DescriptorSimilarity SIMILARITY = (a, b) -> {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return 1 - Math.sqrt(sum) / 2;
    };

    @Test
    void enrolPersistsDescriptorsOnlyAndMatches() throws Exception {
        Path file = dir.resolve("protected.json");
        ProtectedPeople registry = ProtectedPeople.open(file);
        assertNull(registry.best(new float[] {1, 0}, SIMILARITY));
        registry.enrol("alice", "faceres/1", "press photo", List.of(new float[] {1, 0}, new float[] {0.8f, 0.6f}));
        registry.enrol("bob", "faceres/1", null, List.of(new float[] {0, 1}));

        ProtectedPeople reopened = ProtectedPeople.open(file);
        assertEquals(3, reopened.list().size());
        ProtectedPeople.Match m = reopened.best(new float[] {0.99f, 0.14f}, SIMILARITY);
        assertEquals("alice", m.id());
        assertTrue(m.similarity() > 0.9);
        String stored = Files.readString(file);
        assertTrue(stored.contains("\"descriptor\""));
        assertFalse(stored.toLowerCase().contains("png") || stored.toLowerCase().contains("jpeg"), "no image data is stored");

        assertEquals(2, reopened.remove("alice"));
        assertEquals(0, reopened.remove("alice"));
        assertEquals("bob", ProtectedPeople.open(file).best(new float[] {1, 0}, SIMILARITY).id());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left beside the registry");
        }
    }

    @Test
    void badIdsAndEmptyEnrolmentsAreRefused() {
        ProtectedPeople registry = ProtectedPeople.open(dir.resolve("p.json"));
        var e = assertThrows(IllegalArgumentException.class, () -> registry.enrol("bad id/../x", "m", null, List.of(new float[] {1})));
        assertTrue(e.getMessage().startsWith("id: 'bad id/../x' (expected:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> registry.enrol("ok", "m", null, List.of()));
    }

    @Test
    void corruptFileIsAClearError() throws Exception {
        Path file = dir.resolve("p.json");
        Files.writeString(file, "{not json");
        var e = assertThrows(dev.vigil.engine.GateException.class, () -> ProtectedPeople.open(file));
        assertTrue(e.getMessage().startsWith(file + ": not a protected-people registry"), e.getMessage());
    }
}
