package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.protocol.Decision;
import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.GoAwayFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.LeakDetection;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Graceful shutdown as a connected client sees it: GOAWAY, in-flight work finished or, past the grace, refused. */
@ExtendWith(LeakDetection.class)
@Timeout(120)
class ServerShutdownTest {
    @TempDir
    Path dir;

    @AfterEach
    void release() {
        TestGate.HELD.releaseAll();
    }

    static ScoreFrame held(long id) {
        return new ScoreFrame(id, 0, "held", ImageData.Encoded.of(TestGate.photo("small.jpg")), null);
    }

    @Test
    void stopSendsGoawayFinishesInFlightWorkThenCloses() throws Exception {
        Path socket = dir.resolve("vigil.sock");
        VigilServer server = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0)
                .optUnixSocket(socket).optShutdownGrace(Duration.ofSeconds(60)).build().start();
        InetSocketAddress address = server.tcpAddress();
        assertTrue(Files.exists(socket));
        try (RawClient tcp = RawClient.tcp(address); RawClient unix = RawClient.unix(socket)) {
            tcp.hello("");
            unix.hello("");
            tcp.send(held(1));
            TestGate.HELD.awaitPending(1);
            Thread stopper = new Thread(server::stop, "stopper");
            stopper.start();
            assertEquals(new GoAwayFrame("server shutting down"), tcp.read());
            // the idle connection is told and closed at once
            assertEquals(new GoAwayFrame("server shutting down"), unix.read());
            unix.assertClosedByServer();
            // no new connections, no new requests
            assertThrows(ConnectException.class, () -> RawClient.tcp(address).close());
            tcp.send(held(2));
            assertTrue(tcp.readError(ErrorCode.SHUTTING_DOWN, 2).retryable());
            assertTrue(stopper.isAlive(), "stop waits for the request in flight");
            // the request in flight is still answered, then the connection closes
            TestGate.HELD.releaseAll();
            VerdictFrame v = tcp.read(VerdictFrame.class);
            assertEquals(1, v.requestId());
            assertEquals(Decision.ALLOW, v.decision());
            tcp.assertClosedByServer();
            stopper.join();
        }
        assertFalse(Files.exists(socket), "the socket file is removed");
        assertEquals(0, server.connections());
    }

    @Test
    void requestsStillInFlightAfterTheGraceAreAnsweredShuttingDown() throws Exception {
        VigilServer server = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0)
                .optShutdownGrace(Duration.ofMillis(200)).build().start();
        try (RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.hello("");
            c.send(held(1), held(2));
            TestGate.HELD.awaitPending(2);
            server.stop();
            assertEquals(GoAwayFrame.class, c.read().getClass());
            for (long id = 1; id <= 2; id++) {
                assertEquals("the server stopped before this request finished (shutdown grace 200 ms)",
                        c.readError(ErrorCode.SHUTTING_DOWN, id).message());
            }
            c.assertClosedByServer();
        }
    }

    @Test
    void staleSocketFileIsReplacedAndOtherFilesAreNot() throws Exception {
        Path socket = dir.resolve("stale.sock");
        VigilServer first = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), -1)
                .optUnixSocket(socket).build().start();
        // a server killed without stop() leaves its socket file: simulate by copying nothing, just not deleting
        first.stop();
        java.nio.channels.ServerSocketChannel leftover = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        leftover.bind(java.net.UnixDomainSocketAddress.of(socket));
        leftover.close(); // the file stays behind, as after a crash
        assertTrue(Files.exists(socket));
        VigilServer second = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), -1)
                .optUnixSocket(socket).build().start();
        try (RawClient c = RawClient.unix(socket)) {
            assertEquals(1, c.hello("").version());
            // a third server on the socket the second one serves is refused, and the second keeps serving
            VigilServer third = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), -1)
                    .optUnixSocket(socket).build();
            var inUse = assertThrows(java.io.UncheckedIOException.class, third::start);
            assertEquals("unix " + socket + ": in use (another server accepts connections on it; expected: a free path, or stop that server first)",
                    inUse.getMessage());
            c.send(new dev.vigil.protocol.PingFrame(0, 7));
            assertEquals(new dev.vigil.protocol.PongFrame(0, 7), c.read());
        } finally {
            second.stop();
        }
        Path regular = Files.writeString(dir.resolve("notes.txt"), "keep me");
        VigilServer refused = VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), -1)
                .optUnixSocket(regular).build();
        var e = assertThrows(java.io.UncheckedIOException.class, refused::start);
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
        assertEquals("keep me", Files.readString(regular));
    }
}
