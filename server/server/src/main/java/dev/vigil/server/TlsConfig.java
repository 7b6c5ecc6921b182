package dev.vigil.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS for the protocol port: the server's certificate chain and private key (PEM; the key
 * unencrypted PKCS#8), and optionally the CA (PEM) whose certificates clients must present.
 * Uses the JDK's TLS provider. Immutable.
 *
 * @param certificateChain PEM file: the server's certificate, then any intermediates
 * @param privateKey       PEM file: the server's private key (PKCS#8, {@code BEGIN PRIVATE KEY})
 * @param clientCa         PEM file of trusted client CAs; when set, every client must present a
 *                         certificate it signed (mutual TLS); null for server-only TLS
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path clientCa) {
    public TlsConfig {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * A TLS failure in one line for the log: a record that is not TLS (a plain client on a TLS
     * port) is named as such, without the bytes it sent, which Netty's message carries in hex.
     */
    public static String describe(Throwable failure) {
        return failure instanceof io.netty.handler.ssl.NotSslRecordException ? "not a TLS record (a plain client on a TLS port?)"
                : String.valueOf(failure.getMessage());
    }

    /** Builds the server context; throws {@link IllegalArgumentException} naming the file that cannot be used. */
    SslContext serverContext() {
        requireReadable("tls-cert", certificateChain);
        requireReadable("tls-key", privateKey);
        if (clientCa != null) {
            requireReadable("tls-client-ca", clientCa);
        }
        try {
            SslContextBuilder b = SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile()).sslProvider(SslProvider.JDK);
            if (clientCa != null) {
                b.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: " + certificateChain + ", " + privateKey + (clientCa != null ? ", " + clientCa : "")
                    + ": " + e.getMessage(), e);
        }
    }

    private static void requireReadable(String what, Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " (expected: a readable PEM file)");
        }
    }
}
