package dev.vigil.client;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Vigil server for tests, speaking server/PROTOCOL.md with its own parsing (independent of
 * {@code dev.vigil.protocol}'s codec, which the client uses): it answers HELLO itself and hands every SCORE to the test,
 * which answers it (verdict, error, closing the connection) in whatever order it likes. Records
 * what the client sent. Thread-safe; close it.
 */
final class FakeVigilServer implements AutoCloseable {
    /** How long a test waits for something the client should send; a bound against hangs, not a timing assertion. */
    static final long WAIT_SECONDS = 20;

    final BlockingQueue<Hello> hellos = new LinkedBlockingQueue<>();
    final BlockingQueue<Score> scores = new LinkedBlockingQueue<>();
    final BlockingQueue<long[]> cancels = new LinkedBlockingQueue<>();
    final BlockingQueue<long[]> pongs = new LinkedBlockingQueue<>();
    final AtomicInteger maxInFlightSeen = new AtomicInteger();
    /** Exceptions on the server's connections (TLS failures, frames it could not parse). */
    final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Integer, Channel> connections = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final Channel serverChannel;
    private volatile String requiredToken;
    private volatile long maxFrame = 33558528;
    private volatile long maxInFlight = 1024;
    private volatile long maxImageBytes = 32L << 20;

    /** A HELLO as received. */
    record Hello(int connection, int magic, int minVersion, int maxVersion, String token, String clientName) {
    }

    /** A SCORE as received; answer it with one of the methods. */
    final class Score {
        final int connection;
        final long requestId;
        /** The SCORE payload exactly as sent (after the 16-byte header). */
        final byte[] payload;
        final long timeoutMs;
        final String policy;
        /** The image's bytes (encoded or raw pixels), for telling requests apart. */
        final byte[] imageBytes;

        Score(int connection, long requestId, byte[] payload) {
            this.connection = connection;
            this.requestId = requestId;
            this.payload = payload;
            ByteBuf p = Unpooled.wrappedBuffer(payload);
            this.timeoutMs = p.readUnsignedInt();
            this.policy = p.readCharSequence(p.readUnsignedShort(), StandardCharsets.UTF_8).toString();
            int kind = p.readUnsignedByte();
            if (kind == 2) {
                p.skipBytes(1 + 4 + 4 + 4);
            }
            this.imageBytes = new byte[(int) p.readUnsignedInt()];
            p.readBytes(imageBytes);
        }

        String imageText() {
            return new String(imageBytes, StandardCharsets.UTF_8);
        }

        void verdict(int decision, boolean failedClosed, String json) {
            byte[] j = json.getBytes(StandardCharsets.UTF_8);
            answered();
            send(connection, frame(0x11, requestId, Unpooled.buffer().writeByte(decision).writeByte(failedClosed ? 1 : 0)
                    .writeInt(j.length).writeBytes(j)));
        }

        void allow(String reason) {
            verdict(0, false, "{\"decision\":\"ALLOW\",\"rule\":\"default\",\"reason\":\"" + reason + "\",\"signals\":{\"sexual\":0.01}}");
        }

        void error(int code, boolean retryable, String message) {
            answered();
            send(connection, frame(0x12, requestId, Unpooled.buffer().writeShort(code).writeByte(retryable ? 1 : 0).writeBytes(string(message))));
        }

        /** Answers with a frame of any type under this request's id, e.g. one only a client may send. */
        void answerWith(int type, ByteBuf payload) {
            answered();
            send(connection, frame(type, requestId, payload));
        }

        void closeConnection() {
            connections.get(connection).close().syncUninterruptibly();
        }

        private void answered() {
            inFlight.get(connection).decrementAndGet();
        }
    }

    private FakeVigilServer(java.net.SocketAddress bind, SslContext ssl, boolean unix) {
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int id = connectionCount.incrementAndGet();
                        connections.put(id, ch);
                        inFlight.put(id, new AtomicInteger());
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(64 << 20, 0, 4, 0, 4));
                        ch.pipeline().addLast(new ConnectionHandler(id));
                    }
                });
        this.serverChannel = b.bind(bind).syncUninterruptibly().channel();
    }

    static FakeVigilServer tcp() {
        return new FakeVigilServer(new InetSocketAddress("127.0.0.1", 0), null, false);
    }

    static FakeVigilServer tls(SslContext ssl) {
        return new FakeVigilServer(new InetSocketAddress("127.0.0.1", 0), ssl, false);
    }

    static FakeVigilServer unix(Path socket) {
        return new FakeVigilServer(UnixDomainSocketAddress.of(socket), null, true);
    }

    FakeVigilServer requireToken(String token) {
        this.requiredToken = token;
        return this;
    }

    FakeVigilServer maxFrame(long limit) {
        this.maxFrame = limit;
        return this;
    }

    FakeVigilServer maxInFlight(long limit) {
        this.maxInFlight = limit;
        return this;
    }

    FakeVigilServer maxImageBytes(long limit) {
        this.maxImageBytes = limit;
        return this;
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    int connectionCount() {
        return connectionCount.get();
    }

    Score nextScore() throws InterruptedException {
        Score score = scores.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(score, "no SCORE from the client");
        return score;
    }

    Hello nextHello() throws InterruptedException {
        Hello hello = hellos.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(hello, "no HELLO from the client");
        return hello;
    }

    void goAway(int connection, String reason) {
        send(connection, frame(0x40, 0, Unpooled.buffer().writeBytes(string(reason))));
    }

    void ping(int connection, long requestId, long opaque) {
        send(connection, frame(0x20, requestId, Unpooled.buffer().writeLong(opaque)));
    }

    void closeConnection(int connection) {
        connections.get(connection).close().syncUninterruptibly();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void send(int connection, ByteBuf frame) {
        connections.get(connection).writeAndFlush(frame);
    }

    static ByteBuf frame(int type, long requestId, ByteBuf payload) {
        ByteBuf frame = Unpooled.buffer().writeInt(12 + payload.readableBytes()).writeByte(type).writeByte(0).writeShort(0).writeLong(requestId);
        frame.writeBytes(payload);
        payload.release();
        return frame;
    }

    private static byte[] string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(new byte[] {(byte) (b.length >> 8), (byte) b.length}, 2 + b.length);
        System.arraycopy(b, 0, out, 2, b.length);
        return out;
    }

    private final class ConnectionHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final int id;
        private boolean helloDone;

        ConnectionHandler(int id) {
            this.id = id;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A failed TLS handshake or a malformed frame: a real server closes the connection too.
            errors.add(cause);
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf f) {
            int type = f.readUnsignedByte();
            int flags = f.readUnsignedByte();
            int reserved = f.readUnsignedShort();
            long requestId = f.readLong();
            if (flags != 0 || reserved != 0) {
                throw new IllegalStateException("flags " + flags + ", reserved " + reserved);
            }
            if (!helloDone) {
                if (type != 0x01) {
                    ctx.writeAndFlush(frame(0x12, 0, Unpooled.buffer().writeShort(1).writeByte(0).writeBytes(string("HELLO first"))));
                    ctx.close();
                    return;
                }
                Hello hello = new Hello(id, f.readInt(), f.readUnsignedShort(), f.readUnsignedShort(),
                        f.readCharSequence(f.readUnsignedShort(), StandardCharsets.UTF_8).toString(),
                        f.readCharSequence(f.readUnsignedShort(), StandardCharsets.UTF_8).toString());
                hellos.add(hello);
                String token = requiredToken;
                if (token != null && !token.equals(hello.token())) {
                    ctx.writeAndFlush(frame(0x12, 0, Unpooled.buffer().writeShort(3).writeByte(0).writeBytes(string("token does not match"))))
                            .addListener(x -> ctx.close());
                    return;
                }
                helloDone = true;
                ctx.writeAndFlush(frame(0x02, 0, Unpooled.buffer().writeShort(1).writeInt((int) maxFrame).writeInt((int) maxInFlight)
                        .writeInt((int) maxImageBytes).writeBytes(string("fake-vigil"))));
                return;
            }
            switch (type) {
                case 0x10 -> {
                    int now = inFlight.get(id).incrementAndGet();
                    maxInFlightSeen.accumulateAndGet(now, Math::max);
                    scores.add(new Score(id, requestId, ByteBufUtil.getBytes(f)));
                }
                case 0x30 -> cancels.add(new long[] {id, requestId});
                case 0x21 -> pongs.add(new long[] {id, requestId, f.readLong()});
                default -> throw new IllegalStateException("unexpected frame type " + type);
            }
        }
    }
}
