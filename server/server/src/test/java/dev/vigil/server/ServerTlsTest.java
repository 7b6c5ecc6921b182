package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.HelloFrame;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.LeakDetection;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS with certificates made in the test: server-only TLS, mutual TLS with a required client
 * certificate, and the token over TLS. Plain clients and clients without a certificate are
 * closed during the handshake.
 */
@ExtendWith(LeakDetection.class)
@Timeout(120)
class ServerTlsTest {
    static SelfSignedCertificate serverCert;
    static SelfSignedCertificate clientCert;
    static SelfSignedCertificate strangerCert;

    @BeforeAll
    static void certificates() throws Exception {
        serverCert = new SelfSignedCertificate("localhost");
        clientCert = new SelfSignedCertificate("generator-1");
        strangerCert = new SelfSignedCertificate("stranger");
    }

    @AfterAll
    static void delete() {
        serverCert.delete();
        clientCert.delete();
        strangerCert.delete();
    }

    /** A client context trusting the server's certificate, presenting {@code identity} if not null. */
    static SSLContext clientContext(SelfSignedCertificate identity) throws Exception {
        return clientContext(serverCert, identity);
    }

    /** A client context trusting {@code server} alone, presenting {@code identity} if not null. */
    static SSLContext clientContext(SelfSignedCertificate server, SelfSignedCertificate identity) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", server.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            char[] password = "test".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", identity.key(), password, new Certificate[] {identity.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    static VigilServer start(TlsConfig tls, String token) {
        return VigilServer.builder().setGate(TestGate.gate()).optTcp(InetAddress.getLoopbackAddress(), 0).optTls(tls).optToken(token)
                .build().start();
    }

    static void scoreOnce(RawClient c) throws IOException {
        c.send(new ScoreFrame(1, 0, "", ImageData.Encoded.of(TestGate.photo("q0746.jpg")), null));
        assertEquals(1, c.read(VerdictFrame.class).requestId());
    }

    @Test
    void scoresOverTls() throws Exception {
        try (VigilServer server = start(new TlsConfig(serverCert.certificate().toPath(), serverCert.privateKey().toPath(), null), null);
             RawClient c = RawClient.tls(server.tcpAddress(), clientContext(null))) {
            c.hello("");
            scoreOnce(c);
        }
    }

    @Test
    void plainClientGetsNoFrames() throws Exception {
        try (VigilServer server = start(new TlsConfig(serverCert.certificate().toPath(), serverCert.privateKey().toPath(), null), null);
             RawClient c = RawClient.tcp(server.tcpAddress())) {
            c.send(new HelloFrame(1, 1, "", "plain"));
            c.assertClosedByServer();
        }
    }

    @Test
    void clientCertificateIsRequiredWhenAClientCaIsSet() throws Exception {
        TlsConfig mutual = new TlsConfig(serverCert.certificate().toPath(), serverCert.privateKey().toPath(), clientCert.certificate().toPath());
        try (VigilServer server = start(mutual, null)) {
            try (RawClient c = RawClient.tls(server.tcpAddress(), clientContext(clientCert))) {
                c.hello("");
                scoreOnce(c);
            }
            // TLS 1.3 reports a refused client certificate on the first read after the handshake
            assertThrows(IOException.class, () -> {
                try (RawClient c = RawClient.tls(server.tcpAddress(), clientContext(null))) {
                    c.send(new HelloFrame(1, 1, "", "anonymous"));
                    c.read();
                }
            });
            assertThrows(IOException.class, () -> {
                try (RawClient c = RawClient.tls(server.tcpAddress(), clientContext(strangerCert))) {
                    c.send(new HelloFrame(1, 1, "", "stranger"));
                    c.read();
                }
            });
        }
    }

    @Test
    void wrongTokenOverTlsIsUnauthenticated() throws Exception {
        try (VigilServer server = start(new TlsConfig(serverCert.certificate().toPath(), serverCert.privateKey().toPath(), null), "s3cret")) {
            try (RawClient c = RawClient.tls(server.tcpAddress(), clientContext(null))) {
                c.send(new HelloFrame(1, 1, "wrong", "guess"));
                c.readError(ErrorCode.UNAUTHENTICATED, 0);
                c.assertClosedByServer();
            }
            try (RawClient c = RawClient.tls(server.tcpAddress(), clientContext(null))) {
                c.hello("s3cret");
                scoreOnce(c);
            }
        }
    }

    @Test
    void unreadableKeyIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> start(new TlsConfig(serverCert.certificate().toPath(), serverCert.certificate().toPath().resolveSibling("missing.key"), null), null));
        assertEquals("tls-key: " + serverCert.certificate().toPath().resolveSibling("missing.key") + " (expected: a readable PEM file)", e.getMessage());
    }
}
