package dev.vigil.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.engine.Gate;
import dev.vigil.server.metrics.VigilMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium loads {@code /}, the page's own script
 * polls {@code /v1/status}, and the DOM it leaves must show the requests made before. Skipped
 * only where {@code /usr/bin/chromium} is absent (Debian's {@code chromium} package; CI installs
 * it). Leaves a screenshot in {@code target/status-page.png}.
 */
class StatusPageBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void pageShowsLiveNumbersOnceItsScriptHasPolled(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + " (apt-get install -y chromium)");
        VigilMetrics metrics = new VigilMetrics();
        TestGate.HeldSignal held = new TestGate.HeldSignal();
        try (Gate gate = TestGate.build(metrics, held)) {
            HttpServer server = HttpServer.start(gate, metrics, HttpServerTest.loopback(), new dev.vigil.server.FrontDoor(dev.vigil.server.ListenerPolicy.defaults()));
            try {
                server.readiness().get(60, TimeUnit.SECONDS);
                HttpClient client = HttpClient.newHttpClient();
                byte[] png = TestGate.photo("camera.png");
                List<byte[]> bodies = List.of(png, png, png, Arrays.copyOf(png, png.length / 3));
                for (byte[] body : bodies) {
                    assertEquals(200, client.send(HttpRequest.newBuilder(HttpServerTest.uri(server, "/v1/score")).header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
                }
                assertEquals(400, client.send(HttpRequest.newBuilder(HttpServerTest.uri(server, "/v1/score?policy=nope")).header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
                URI page = HttpServerTest.uri(server, "/");

                String dom = chromium(tmp, "--dump-dom", page.toString());
                Matcher polls = Pattern.compile("<body data-polls=\"(\\d+)\"").matcher(dom);
                assertTrue(polls.find() && Integer.parseInt(polls.group(1)) >= 1, "the page's script never polled:\n" + dom);
                assertEquals("ready", text(dom, "state"));
                assertEquals("4", text(dom, "verdicts"));
                // camera.png is allowed under the test policy; the truncated copy is a fail-closed BLOCK
                assertEquals("3", text(dom, "allow"));
                assertEquals("1", text(dom, "block"));
                assertEquals("1", text(dom, "failed-closed"));
                assertTrue(Double.parseDouble(text(dom, "rate60")) > 0, text(dom, "rate60"));
                assertEquals("4", text(dom, "latency-count"));
                assertTrue(Double.parseDouble(text(dom, "p50").replace(",", "")) > 0, text(dom, "p50"));
                assertEquals("BAD_REQUEST 1", text(dom, "errors"));
                assertTrue(dom.contains("<span>nsfw-mobilenet-v2-mid/1</span>"), dom);
                assertTrue(dom.contains("<polyline"), "the sparkline is drawn");
                assertEquals("off (--no-audit): verdicts are not recorded", text(dom, "audit"), "the audit log's state is shown");
                assertTrue(text(dom, "preprocessing").startsWith("native ("), "which preprocessing runs is shown: " + text(dom, "preprocessing"));
                assertTrue(dom.contains("<rect"), "the batch-size chart is drawn");

                Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
                Files.deleteIfExists(screenshot);
                chromium(tmp, "--screenshot=" + screenshot, "--window-size=1200,900", page.toString());
                byte[] png8 = Arrays.copyOf(Files.readAllBytes(screenshot), 8);
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, png8);
            } finally {
                server.close();
            }
        }
    }

    /** The text of the element with this id, as the browser left it. */
    static String text(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\"[^>]*>([^<]*)<").matcher(dom);
        assertTrue(m.find(), "no element " + id);
        return m.group(1);
    }

    /**
     * Runs headless Chromium with a fresh profile, no network beyond the page, and 5 s of
     * virtual time for the page's timers (the script polls every second); returns its stdout.
     */
    static String chromium(Path tmp, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createTempDirectory(tmp, "profile"), "--virtual-time-budget=5000"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "chromium", ".out");
        Path err = Files.createTempFile(tmp, "chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s: " + command + "\n" + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), () -> command + "\n" + readQuietly(err));
        return Files.readString(out);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }
}
