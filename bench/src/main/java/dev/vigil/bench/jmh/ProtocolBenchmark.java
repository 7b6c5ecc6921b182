package dev.vigil.bench.jmh;

import dev.vigil.protocol.Decision;
import dev.vigil.protocol.FrameDecoder;
import dev.vigil.protocol.FrameEncoder;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One question: what does the binary protocol cost per request, apart from the network and the
 * gate? Encoding a SCORE frame carrying an encoded image of {@code imageBytes} (the image is
 * wrapped, not copied) and decoding it back through {@link FrameDecoder} (which copies the
 * image out of the socket buffer), and encoding and decoding a typical VERDICT.
 *
 * <p>Fixtures: seeded random image bytes and a verdict JSON of realistic size, made in
 * {@code @Setup}; results are returned (JMH consumes them) and every buffer is released.
 * Expected reading: microseconds against a gate latency of tens of milliseconds, so the
 * protocol is not where a verdict's time goes; the decode of a large image is dominated by
 * its copy (about memcpy speed).
 *
 * <p>Measured (`./vigil bench jmh --quick Protocol`, quiet 2-core host, 2026-11-23), us/op:
 * encodeScore 0.32 at 64 KiB and 1 MiB (the image is wrapped, not copied); decodeScore 7.0 at
 * 64 KiB and 162 at 1 MiB (the copy of the image out of the read buffer); encodeVerdict 0.40;
 * decodeVerdict 0.32. Against 20-30 ms per verdict, the protocol is below 1% even for 1 MiB images.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProtocolBenchmark {
    @Param({"65536", "1048576"})
    public int imageBytes;

    private ScoreFrame score;
    private VerdictFrame verdict;
    private EmbeddedChannel decoder;
    private ByteBuf encodedScore;
    private ByteBuf encodedVerdict;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] image = new byte[imageBytes];
        new Random(42).nextBytes(image);
        score = new ScoreFrame(7, 5000, "strict", ImageData.Encoded.of(image), null);
        verdict = new VerdictFrame(7, Decision.ALLOW, false, "{\"request_id\":\"7\",\"decision\":\"ALLOW\",\"rule\":\"default\","
                + "\"reason\":\"no rule fired\",\"signals\":{\"hash_match\":0.0,\"sexual\":0.0059,\"suggestive\":0.0039,\"drawing\":0.052},"
                + "\"failures\":{},\"findings\":[],\"models\":[\"pdq\",\"nsfw-mobilenet-v2-mid/1\"],\"policy\":\"strict\","
                + "\"policy_version\":\"2026.11.1\",\"timings_us\":{\"decode\":2280,\"queue\":5250,\"inference\":17600,\"policy\":680,\"total\":26200}}");
        decoder = new EmbeddedChannel(new FrameDecoder(64 << 20));
        encodedScore = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, score);
        encodedVerdict = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, verdict);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encodedScore.release();
        encodedVerdict.release();
        decoder.finishAndReleaseAll();
    }

    @Benchmark
    public int encodeScore() {
        ByteBuf b = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, score);
        try {
            return b.readableBytes();
        } finally {
            b.release();
        }
    }

    @Benchmark
    public Object decodeScore() {
        decoder.writeInbound(encodedScore.retainedDuplicate());
        return decoder.readInbound();
    }

    @Benchmark
    public int encodeVerdict() {
        ByteBuf b = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, verdict);
        try {
            return b.readableBytes();
        } finally {
            b.release();
        }
    }

    @Benchmark
    public Object decodeVerdict() {
        decoder.writeInbound(encodedVerdict.retainedDuplicate());
        return decoder.readInbound();
    }
}
