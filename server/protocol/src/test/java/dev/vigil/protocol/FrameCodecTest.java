package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every frame type through {@link FrameEncoder} and back through {@link FrameDecoder}: whole,
 * one byte at a time, and in seeded random splits, alone and back to back; every buffer the
 * test or the codec made is released.
 */
@ExtendWith(LeakDetection.class)
class FrameCodecTest {
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new FrameDecoder());
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish());
    }

    /** The frame's bytes as the encoder writes them to a channel. */
    static byte[] encode(Frame frame) {
        EmbeddedChannel out = new EmbeddedChannel(FrameEncoder.INSTANCE);
        assertTrue(out.writeOutbound(frame));
        ByteBuf buf = out.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(buf);
        assertTrue(buf.release());
        assertNull(out.readOutbound());
        assertFalse(out.finish());
        return bytes;
    }

    /** Feeds {@code bytes} in chunks ending at {@code cuts}; asserts every chunk is released once decoded. */
    private List<Frame> feed(byte[] bytes, int[] cuts) {
        List<ByteBuf> chunks = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            ByteBuf chunk = Unpooled.copiedBuffer(bytes, from, cut - from);
            chunks.add(chunk);
            channel.writeInbound(chunk);
            from = cut;
        }
        List<Frame> frames = new ArrayList<>();
        for (Frame f; (f = channel.readInbound()) != null; ) {
            frames.add(f);
        }
        for (ByteBuf chunk : chunks) {
            assertEquals(0, chunk.refCnt(), "the decoder holds no input once every frame in it is decoded");
        }
        return frames;
    }

    @Test
    void everyFrameTypeRoundTripsWhole() {
        for (Frame frame : SampleFrames.all()) {
            byte[] bytes = encode(frame);
            assertEquals(bytes.length - 4, ((bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | bytes[3] & 0xFF));
            ByteBuf in = Unpooled.wrappedBuffer(bytes);
            assertTrue(channel.writeInbound(in), frame.toString());
            assertEquals(frame, channel.readInbound());
            assertEquals(0, in.refCnt());
        }
        List<FrameType> covered = SampleFrames.all().stream().map(Frame::type).distinct().toList();
        assertEquals(Arrays.asList(FrameType.values()), covered.stream().sorted().toList(), "every frame type has a sample");
    }

    @Test
    void everyFrameTypeRoundTripsOneByteAtATime() {
        for (Frame frame : SampleFrames.all()) {
            byte[] bytes = encode(frame);
            for (int i = 0; i < bytes.length; i++) {
                ByteBuf one = Unpooled.wrappedBuffer(bytes, i, 1);
                boolean produced = channel.writeInbound(one);
                assertEquals(i == bytes.length - 1, produced, frame.type() + " produced a frame at byte " + i + " of " + bytes.length);
            }
            assertEquals(frame, channel.readInbound());
        }
    }

    @Test
    void framesBackToBackInSeededRandomSplits() {
        List<Frame> all = SampleFrames.all();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        all.forEach(f -> stream.writeBytes(encode(f)));
        byte[] bytes = stream.toByteArray();
        Random random = new Random(0x5647494CL);
        for (int round = 0; round < 200; round++) {
            int pieces = 1 + random.nextInt(40);
            int[] cuts = random.ints(pieces - 1, 1, bytes.length).sorted().distinct().toArray();
            cuts = Arrays.copyOf(cuts, cuts.length + 1);
            cuts[cuts.length - 1] = bytes.length;
            assertEquals(all, feed(bytes, cuts), "round " + round + " cut at " + Arrays.toString(cuts));
        }
    }

    @Test
    void eachFrameInSeededRandomSplits() {
        Random random = new Random(42);
        for (Frame frame : SampleFrames.all()) {
            byte[] bytes = encode(frame);
            for (int round = 0; round < 20; round++) {
                int[] cuts = random.ints(random.nextInt(8), 1, bytes.length).sorted().distinct().toArray();
                cuts = Arrays.copyOf(cuts, cuts.length + 1);
                cuts[cuts.length - 1] = bytes.length;
                assertEquals(List.of(frame), feed(bytes, cuts), frame.type() + " cut at " + Arrays.toString(cuts));
            }
        }
    }

    @Test
    void decodedImagesOwnTheirBytes() {
        byte[] bytes = encode(new ScoreFrame(1, 0, "", ImageData.Encoded.of(SampleFrames.PNG_1X1), null));
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        assertTrue(channel.writeInbound(in));
        ScoreFrame score = channel.readInbound();
        Arrays.fill(bytes, (byte) 0);
        ImageData.Encoded image = (ImageData.Encoded) score.image();
        assertTrue(image.bytes().hasArray());
        assertEquals(SampleFrames.PNG_1X1.length, image.bytes().array().length, "a fresh array of exactly the image");
        assertEquals(ImageData.Encoded.of(SampleFrames.PNG_1X1), image);
    }

    @Test
    void verdictDetailsRoundTripThroughJson() {
        String json = SampleFrames.verdictJson();
        VerdictDetails d = VerdictDetails.parse(json);
        assertEquals("42", d.requestId());
        assertEquals(List.of("sexual", "suggestive"), List.copyOf(d.signals().keySet()));
        assertEquals(0.91, d.signals().get("sexual"));
        assertEquals(6700, d.timings().total());
        assertEquals(json, d.toJson());
        // fields a newer server adds are ignored
        VerdictDetails newer = VerdictDetails.parse("{\"decision\":\"ALLOW\",\"explanation\":{\"x\":1}}");
        assertEquals("ALLOW", newer.decision());
    }
}
