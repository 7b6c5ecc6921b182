package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the encoder and the frame records refuse, and that image bytes go out without a copy. */
@ExtendWith(LeakDetection.class)
class FrameEncoderTest {

    @Test
    void stringsLongerThanAU16LengthAreRefused() {
        String tooLong = "\u00e9".repeat(40000);
        var e = assertThrows(IllegalArgumentException.class, () -> new ScoreFrame(1, 0, tooLong, ImageData.Encoded.of(new byte[1]), null));
        assertEquals("policy: 80000 bytes (expected: <= 65535)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HelloFrame(1, 1, tooLong, ""));
    }

    @Test
    void humanMessagesAreCutToFit() {
        ErrorFrame e = ErrorFrame.of(1, ErrorCode.INTERNAL, "x".repeat(70000));
        assertEquals(65535, e.message().length());
        assertTrue(e.message().endsWith("..."));
        byte[] bytes = FrameCodecTest.encode(e);
        assertEquals(4 + 12 + 2 + 1 + 2 + 65535, bytes.length);
    }

    @Test
    void fieldsOutOfRangeAreRefused() {
        assertEquals("min_version: 65536 (expected: >= 0 and <= 65535)",
                assertThrows(IllegalArgumentException.class, () -> new HelloFrame(65536, 1, "", "")).getMessage());
        assertEquals("timeout_ms: -1 (expected: >= 0)",
                assertThrows(IllegalArgumentException.class, () -> new ScoreFrame(1, -1, "", ImageData.Encoded.of(new byte[1]), null)).getMessage());
        assertEquals("width: -2 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> new ImageData.Raw(ImageData.PixelFormat.RGB, -2, 1, 3, ByteBuffer.allocate(3))).getMessage());
    }

    @Test
    void imageBytesAreWrappedNotCopied() {
        byte[] pixels = new byte[64 * 1024];
        ByteBuf frame = FrameEncoder.encode(ByteBufAllocator.DEFAULT,
                new ScoreFrame(1, 0, "", new ImageData.Raw(ImageData.PixelFormat.GRAY, 256, 256, 256, ByteBuffer.wrap(pixels)), null));
        int imageOffset = frame.readableBytes() - pixels.length - 1;
        pixels[0] = 42;
        assertEquals(42, frame.getByte(imageOffset), "the frame reads the caller's array");
        assertTrue(frame.release());
    }

    @Test
    void checksNameTheFieldTheValueAndTheLimit() {
        ImageData.Raw raw = new ImageData.Raw(ImageData.PixelFormat.RGB, 4, 3, 12, ByteBuffer.allocate(35));
        assertEquals("image.byte_length: 35 (expected: >= row_stride * (height - 1) + width * channels = 36)",
                assertThrows(IllegalArgumentException.class, () -> raw.check("image", 1000)).getMessage());
        ImageData.Raw narrow = new ImageData.Raw(ImageData.PixelFormat.RGBA, 4, 3, 12, ByteBuffer.allocate(48));
        assertEquals("source.row_stride: 12 (expected: >= width * channels = 16)",
                assertThrows(IllegalArgumentException.class, () -> narrow.check("source", 1000)).getMessage());
        assertEquals("image.byte_length: 48 (expected: <= 40)",
                assertThrows(IllegalArgumentException.class, () -> new ImageData.Raw(ImageData.PixelFormat.RGB, 4, 3, 16, ByteBuffer.allocate(48))
                        .check("image", 40)).getMessage());
        assertEquals("image.width: 0 (expected: > 0)", assertThrows(IllegalArgumentException.class,
                () -> new ImageData.Raw(ImageData.PixelFormat.RGB, 0, 3, 16, ByteBuffer.allocate(48)).check("image", 100)).getMessage());
        assertEquals("image.byte_length: 0 (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> ImageData.Encoded.of(new byte[0]).check("image", 100)).getMessage());
        new ImageData.Raw(ImageData.PixelFormat.RGB, 4, 3, 12, ByteBuffer.allocate(36)).check("image", 36);
    }

    @Test
    void encoderInAPipelineWritesOneBufferPerFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        assertTrue(channel.writeOutbound(new PingFrame(1, 2), new CancelFrame(3)));
        ByteBuf ping = channel.readOutbound();
        ByteBuf cancel = channel.readOutbound();
        assertEquals(24, ping.readableBytes());
        assertEquals(16, cancel.readableBytes());
        assertTrue(ping.release());
        assertTrue(cancel.release());
        assertFalse(channel.finish());
    }
}
