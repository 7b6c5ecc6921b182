package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.client.ClientImage;
import dev.vigil.client.ClientVerdict;
import dev.vigil.client.Decision;
import dev.vigil.client.ScoreCall;
import dev.vigil.client.VigilClient;
import dev.vigil.engine.TestModels;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two clients against the real server with the real classifier, over TCP and a Unix
 * socket: the Java client (vigil-client, no engine on its own classpath) and the Python
 * client's whole test suite, run by python3 with its real-server tests switched on.
 */
class ClientsEndToEndTest {
    @TempDir
    static Path dir;
    static VigilServer server;
    static VigilServer withToken;
    static Path socket;
    static dev.vigil.audit.AuditLog audit;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("vigil.sock");
        // with an audit log, so that the clients' receipts (protocol version 2) can be asked for
        audit = dev.vigil.audit.AuditLog.open(dev.vigil.audit.AuditLog.Options.defaults(dir.resolve("audit")));
        ListenerPolicy policy = ListenerPolicy.defaults();
        FrontDoor door = new FrontDoor(policy, new dev.vigil.engine.MemoryBudget(policy.memoryBudget()), new Auditor(audit, java.util.Map.of()));
        server = VigilServer.builder().setGate(TestGate.gate()).optFrontDoor(door).optTcp(InetAddress.getLoopbackAddress(), 0).optUnixSocket(socket)
                .build().start();
        withToken = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0).optToken("s3cret-for-tests").build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
        withToken.close();
        audit.close();
    }

    @Test
    void javaClientAsksForTheVerdictsReceipt() throws Exception {
        byte[] photo = TestGate.photo("astronaut.png");
        try (VigilClient client = VigilClient.builder().setAddress("127.0.0.1:" + server.tcpAddress().getPort()).optTimeout(Duration.ofSeconds(60)).build()) {
            ClientVerdict v = client.score(ScoreCall.builder().setImage(ClientImage.encoded(photo)).optReceipt(true).build()).get(60, java.util.concurrent.TimeUnit.SECONDS);
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(v.detailsJson());
            dev.vigil.audit.Receipt receipt = dev.vigil.audit.Receipt.parse(json.get("receipt").toString());
            org.junit.jupiter.api.Assertions.assertNull(receipt.problem(audit.keys().publicKey()), "the receipt checks out with the public key");
        }
    }

    @Test
    void javaClientPipelinesOverTcpAndUnixSocket() throws Exception {
        byte[] photo = TestGate.photo("astronaut.png");
        for (String address : List.of("127.0.0.1:" + server.tcpAddress().getPort(), "unix:" + socket)) {
            try (VigilClient client = VigilClient.builder().setAddress(address).optTimeout(Duration.ofSeconds(60)).build()) {
                List<CompletableFuture<ClientVerdict>> calls = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    calls.add(client.score(ScoreCall.of(ClientImage.encoded(photo))));
                }
                for (CompletableFuture<ClientVerdict> call : calls) {
                    ClientVerdict v = call.get(120, TimeUnit.SECONDS);
                    assertEquals(Decision.ALLOW, v.decision(), address + ": " + v);
                    assertFalse(v.failedClosed());
                    assertTrue(v.signals().get("sexual") < 0.05, v.toString());
                }
                ClientVerdict unknownPolicy = client.score(ScoreCall.builder().setImage(ClientImage.encoded(photo)).optPolicy("nsfw-lax").build())
                        .get(60, TimeUnit.SECONDS);
                assertEquals(Decision.BLOCK, unknownPolicy.decision());
                assertTrue(unknownPolicy.failedClosed());
                assertTrue(unknownPolicy.reason().contains("nsfw-lax"), unknownPolicy.reason());
            }
        }
    }

    @Test
    void javaClientFailsClosedWhenNoServerAnswers() throws Exception {
        try (VigilClient client = VigilClient.builder().setAddress("unix:" + dir.resolve("nobody-here.sock"))
                .optTimeout(Duration.ofSeconds(2)).build()) {
            ClientVerdict v = client.score(ScoreCall.of(ClientImage.encoded(new byte[] {1, 2, 3}))).get(30, TimeUnit.SECONDS);
            assertEquals(Decision.BLOCK, v.decision());
            assertTrue(v.failedClosed());
        }
    }

    @Test
    void pythonClientTestSuitePassesAgainstTheRealServer() throws Exception {
        Path python = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "../..")).resolve("server/python");
        if (!Files.isDirectory(python)) {
            python = Path.of("../python");
        }
        for (String address : List.of("127.0.0.1:" + server.tcpAddress().getPort(), "unix:" + socket, "127.0.0.1:" + withToken.tcpAddress().getPort())) {
            ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-v")
                    .directory(python.toFile()).redirectErrorStream(true);
            pb.environment().put("VIGIL_TEST_ADDRESS", address);
            pb.environment().put("VIGIL_TEST_PHOTO", TestModels.photo("astronaut.png").toString());
            if (address.endsWith(":" + withToken.tcpAddress().getPort())) {
                pb.environment().put("VIGIL_TEST_TOKEN", "s3cret-for-tests");
            } else {
                pb.environment().put("VIGIL_TEST_AUDITED", "1"); // the receipt test runs against the audited server
            }
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "python3 did not finish");
            System.err.println(out.lines().filter(l -> l.contains("RealServer") || l.startsWith("Ran ") || l.startsWith("OK") || l.startsWith("FAILED"))
                    .reduce((a, b) -> a + "\n" + b).orElse(out));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("RealServerTest") && out.contains("test_scores_raw_pixels") && out.contains("... ok"), out);
            if (!address.endsWith(":" + withToken.tcpAddress().getPort())) {
                assertTrue(out.contains("test_asks_for_the_verdicts_receipt (test_client.RealServerTest") && !out.contains("test_asks_for_the_verdicts_receipt"
                        + " (test_client.RealServerTest.test_asks_for_the_verdicts_receipt) ... skipped"), out);
            }
        }
    }
}
