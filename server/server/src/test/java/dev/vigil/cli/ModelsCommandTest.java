package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil models ...} as a user types it: output, error lines and exit status. */
class ModelsCommandTest {
    @TempDir
    Path tmp;

    private record Run(int status, String out, String err) {
    }

    private static Run vigil(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = VigilCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void listOnAnEmptyRepositorySaysHowToFillIt() {
        Run r = vigil("models", "list", "--repository", tmp.toString());
        assertEquals(0, r.status());
        assertTrue(r.out().contains("(no models; run ./vigil models import)"), r.out());
    }

    @Test
    void unknownModelIsOneClearLineAndExitOne() {
        Run r = vigil("models", "import", "nsfw-nope", "--repository", tmp.toString(), "--cache", tmp.resolve("cache").toString());
        assertEquals(1, r.status());
        assertEquals("vigil: model nsfw-nope: not a default model (expected one of [nsfw-mobilenet-v2-mid, nsfw-mobilenet-v2, "
                + "nsfw-inception-v3, blazeface, faceres])", r.err().strip());
    }

    @Test
    void unknownCommandShowsUsage() {
        Run r = vigil("models", "frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Unmatched argument at index 1: 'frobnicate'"), r.err());
    }

    /** Import, list and verify the five models through the command line, as the README says. */
    @Test
    void importListAndVerifyTheDefaultModels() {
        String repo = tmp.resolve("repo").toString();
        Run imported = vigil("models", "import", "--repository", repo);
        assertEquals(0, imported.status(), imported.err());

        Run list = vigil("models", "list", "--repository", repo);
        assertEquals(0, list.status(), list.err());
        for (String name : List.of("nsfw-mobilenet-v2-mid", "nsfw-mobilenet-v2", "nsfw-inception-v3", "blazeface", "faceres")) {
            assertTrue(Pattern.compile("(?m)^" + name + " +1 ").matcher(list.out()).find(), list.out());
        }

        String photos = System.getProperty("vigil.referencePhotos", "");
        Run verify = photos.isEmpty() ? vigil("models", "verify", "--repository", repo)
                : vigil("models", "verify", "--repository", repo, "--photos", photos);
        assertEquals(0, verify.status(), verify.out() + verify.err());
        List<String> lines = verify.out().strip().lines().toList();
        assertEquals(5, lines.size(), verify.out());
        Pattern line = Pattern.compile("^[a-z0-9-]+ +\\d\\.\\de[-+]\\d\\d +\\(\\d+ cases, worst at .+, bound 1e-04\\) OK$");
        for (String l : lines) {
            assertTrue(line.matcher(l).matches(), l);
        }
    }
}
