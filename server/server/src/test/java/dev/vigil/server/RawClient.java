package dev.vigil.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.vigil.protocol.ErrorCode;
import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.Frame;
import dev.vigil.protocol.FrameDecoder;
import dev.vigil.protocol.FrameEncoder;
import dev.vigil.protocol.HelloFrame;
import dev.vigil.protocol.HelloOkFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A blocking test client that speaks the protocol over a plain socket, the way a client in any
 * language would: frames written as bytes, answers read by their length prefix. Uses the
 * protocol module's encoder and decoder only to turn frames into bytes and back. Not
 * thread-safe.
 */
public final class RawClient implements AutoCloseable {
    private final AutoCloseable socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(Integer.MAX_VALUE));

    private RawClient(AutoCloseable socket, InputStream in, OutputStream out) {
        this.socket = socket;
        this.in = new DataInputStream(in);
        this.out = out;
    }

    public static RawClient tcp(InetSocketAddress address) throws IOException {
        Socket s = new Socket(address.getAddress(), address.getPort());
        s.setTcpNoDelay(true);
        s.setSoTimeout(60_000);
        return new RawClient(s, s.getInputStream(), s.getOutputStream());
    }

    public static RawClient unix(Path path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(path));
        return new RawClient(ch, Channels.newInputStream(ch), Channels.newOutputStream(ch));
    }

    public static RawClient tls(InetSocketAddress address, SSLContext context) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        s.setSoTimeout(60_000);
        s.startHandshake();
        return new RawClient(s, s.getInputStream(), s.getOutputStream());
    }

    public void send(Frame... frames) throws IOException {
        for (Frame f : frames) {
            ByteBuf b = FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, f);
            try {
                out.write(ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }
        out.flush();
    }

    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame from the server; fails on end of stream. */
    public Frame read() throws IOException {
        int length = in.readInt();
        byte[] frame = new byte[4 + length];
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        in.readFully(frame, 4, length);
        decoder.writeInbound(Unpooled.wrappedBuffer(frame));
        return decoder.readInbound();
    }

    @SuppressWarnings("unchecked")
    public <T extends Frame> T read(Class<T> type) throws IOException {
        Frame f = read();
        return assertInstanceOf(type, f, String.valueOf(f));
    }

    /** Reads an ERROR with this code and request id, and returns it. */
    public ErrorFrame readError(ErrorCode code, long requestId) throws IOException {
        ErrorFrame e = read(ErrorFrame.class);
        assertEquals(code, e.errorCode(), e.toString());
        assertEquals(requestId, e.requestId(), e.toString());
        assertEquals(code.retryable(), e.retryable(), e.toString());
        return e;
    }

    public HelloOkFrame hello(String token) throws IOException {
        send(new HelloFrame(1, 1, token, "RawClient"));
        return read(HelloOkFrame.class);
    }

    /** Asserts the server closed the connection: end of stream (or a reset) with nothing more to read. */
    public void assertClosedByServer() throws IOException {
        try {
            int b = in.read();
            assertEquals(-1, b, "expected end of stream, got a byte");
        } catch (EOFException | SocketException e) {
            // a reset is a close too
        }
    }

    @Override
    public void close() throws Exception {
        socket.close();
        assertFalse(decoder.finish());
    }
}
