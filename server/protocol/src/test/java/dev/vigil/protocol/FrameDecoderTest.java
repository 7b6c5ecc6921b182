package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Frames that break the protocol: each raises a {@link ProtocolException} with the code to answer,
 * the frame's request id and a message naming the field, the value and what was expected; the
 * decoder then discards everything after it and holds no buffer. Oversized frames are refused from
 * the header alone.
 */
@ExtendWith(LeakDetection.class)
class FrameDecoderTest {
    private static final int MAX_FRAME = 1024;

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME));
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish());
    }

    /** Index of the byte that raised the last error {@link #refuse} saw. */
    private int raisedAt;

    /**
     * Feeds {@code bytes} one byte at a time until one raises an error, then the rest, which must
     * be discarded; returns the error.
     */
    private ProtocolException refuse(byte[] bytes) {
        ProtocolException error = null;
        List<ByteBuf> fed = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            ByteBuf one = Unpooled.wrappedBuffer(bytes, i, 1);
            fed.add(one);
            if (error == null) {
                try {
                    assertFalse(channel.writeInbound(one), "byte " + i + " of " + bytes.length);
                } catch (ProtocolException e) {
                    error = e;
                    raisedAt = i;
                }
            } else {
                assertFalse(channel.writeInbound(one));
            }
        }
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "the decoder keeps no byte once a frame is refused");
        }
        if (error == null) {
            throw new AssertionError("no error raised by " + bytes.length + " bytes");
        }
        assertDiscardsFromNowOn();
        return error;
    }

    /** Asserts the last error was raised by the header alone, before any of the payload arrived. */
    private void assertRaisedByTheHeader() {
        assertEquals(FrameLayout.HEADER_LENGTH - 1, raisedAt);
    }

    /** After an error, even a valid frame is dropped, and its buffer released at once. */
    private void assertDiscardsFromNowOn() {
        ByteBuf valid = Unpooled.wrappedBuffer(FrameCodecTest.encode(new PingFrame(1, 2)));
        assertFalse(channel.writeInbound(valid));
        assertEquals(0, valid.refCnt());
        assertNull(channel.readInbound());
    }

    private static void assertError(ErrorCode code, long requestId, String message, ProtocolException e) {
        assertEquals(code, e.code());
        assertEquals(requestId, e.requestId());
        assertEquals(message, e.getMessage());
        ErrorFrame frame = e.toFrame();
        assertEquals(code.code(), frame.code());
        assertEquals(requestId, frame.requestId());
    }

    private static Wire hello() {
        return new Wire().u32(FrameLayout.MAGIC).u16(1).u16(1).str("").str("c");
    }

    private static Wire scoreFields() {
        return new Wire().u32(100).str("strict");
    }

    @Test
    void oversizedFrameOneByteAtATime() {
        byte[] bytes = new Wire().u32(MAX_FRAME + 1).u8(0x10).u8(0).u16(0).u64(78).bytes(new byte[200]).toBytes();
        assertError(ErrorCode.FRAME_TOO_LARGE, 78, "length: 1025 (expected: <= 1024)", refuse(bytes));
        assertRaisedByTheHeader();
    }

    @Test
    void oversizedFrameIsRefusedFromItsHeaderWithoutBuffering() {
        // the header claims a megabyte; the decoder never waits for it
        byte[] header = new Wire().u32(1_000_000).u8(0x10).u8(0).u16(0).u64(77).toBytes();
        ByteBuf in = Unpooled.buffer().writeBytes(header).writeZero(512);
        ProtocolException e = assertThrows(ProtocolException.class, () -> channel.writeInbound(in));
        assertError(ErrorCode.FRAME_TOO_LARGE, 77, "length: 1000000 (expected: <= 1024)", e);
        assertEquals(0, in.refCnt(), "nothing of the frame is kept");
        for (int i = 0; i < 16; i++) {
            ByteBuf more = Unpooled.buffer(65536).writeZero(65536);
            assertFalse(channel.writeInbound(more));
            assertEquals(0, more.refCnt(), "the rest of the stream is skipped as it arrives");
        }
    }

    @Test
    void largestFrameIsAccepted() {
        byte[] json = new byte[MAX_FRAME - FrameLayout.LENGTH_AFTER_LENGTH_FIELD - 6];
        Arrays.fill(json, (byte) ' ');
        byte[] bytes = new Wire().u8(0).u8(0).u32(json.length).bytes(json).frame(0x11, 5);
        assertEquals(MAX_FRAME + 4, bytes.length);
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(bytes)));
        VerdictFrame v = channel.readInbound();
        assertEquals(json.length, v.json().length());
        assertThrows(ProtocolException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(
                new Wire().u8(0).u8(0).u32(json.length + 1).bytes(json).u8(' ').frame(0x11, 6))));
    }

    @Test
    void maxFrameCanBeRaisedBetweenFrames() {
        FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
        decoder.maxFrame(FrameLayout.HELLO_MAX_FRAME);
        byte[] big = new byte[4000];
        byte[] bytes = FrameCodecTest.encode(new ScoreFrame(3, 0, "", ImageData.Encoded.of(big), null));
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(bytes)));
        assertEquals(4000, ((ScoreFrame) channel.readInbound()).image().byteLength());
        assertThrows(IllegalArgumentException.class, () -> decoder.maxFrame(11));
    }

    @Test
    void lengthShorterThanTheHeader() {
        byte[] bytes = new Wire().u32(11).u8(0x20).u8(0).u16(0).u64(3).toBytes();
        assertError(ErrorCode.BAD_FRAME, 3, "length: 11 (expected: >= 12)", refuse(bytes));
        assertRaisedByTheHeader();
    }

    @Test
    void unknownType() {
        ProtocolException e = refuse(new Wire().frame(0x7f, 9));
        assertError(ErrorCode.BAD_FRAME, 9, "type: 0x7f (expected: one of 0x01 HELLO, 0x02 HELLO_OK, 0x10 SCORE, 0x11 VERDICT, "
                + "0x12 ERROR, 0x20 PING, 0x21 PONG, 0x30 CANCEL, 0x40 GOAWAY)", e);
        assertRaisedByTheHeader();
    }

    @Test
    void nonZeroFlags() {
        assertError(ErrorCode.BAD_FRAME, 4, "flags: 0x01 (expected: 0x00 in version 1; 0x01 RECEIPT on a SCORE needs version 2)",
                refuse(new Wire().frame(0x30, 1, 0, 4)));
    }

    @Test
    void theReceiptFlagNeedsVersionTwoAndASCORE() {
        ScoreFrame asked = new ScoreFrame(5, 0, "", ImageData.Encoded.of(new byte[] {1, 2, 3}), null, true);
        io.netty.buffer.ByteBuf encoded = FrameEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, asked);
        assertEquals(ScoreFrame.FLAG_RECEIPT, encoded.getUnsignedByte(FrameLayout.FLAGS_OFFSET));
        // version 1: refused, naming the version it needs
        EmbeddedChannel v1 = new EmbeddedChannel(new FrameDecoder());
        ProtocolException e = assertThrows(ProtocolException.class, () -> v1.writeInbound(encoded.retainedDuplicate()));
        assertEquals("flags: 0x01 (expected: 0x00 in version 1; 0x01 RECEIPT on a SCORE needs version 2)", e.getMessage());
        // version 2: a SCORE that asks for its receipt
        FrameDecoder decoder = new FrameDecoder();
        decoder.version(2);
        EmbeddedChannel v2 = new EmbeddedChannel(decoder);
        assertTrue(v2.writeInbound(encoded));
        assertEquals(asked, v2.readInbound());
        // ... and on any other frame, still refused
        FrameDecoder other = new FrameDecoder();
        other.version(2);
        ProtocolException onCancel = assertThrows(ProtocolException.class,
                () -> new EmbeddedChannel(other).writeInbound(Unpooled.wrappedBuffer(new Wire().frame(0x30, 1, 0, 4))));
        assertEquals("flags: 0x01 (expected: 0x00, or 0x01 RECEIPT on a SCORE)", onCancel.getMessage());
    }

    @Test
    void nonZeroReserved() {
        assertError(ErrorCode.BAD_FRAME, 4, "reserved: 0x0100 (expected: 0x0000)", refuse(new Wire().frame(0x30, 0, 0x100, 4)));
    }

    @Test
    void connectionLevelFrameWithARequestId() {
        assertError(ErrorCode.BAD_FRAME, 5, "request id: 5 (expected: 0 for 0x01 HELLO)", refuse(hello().frame(0x01, 5)));
        assertRaisedByTheHeader();
        tearDown();
        setUp();
        assertError(ErrorCode.BAD_FRAME, -1, "request id: 18446744073709551615 (expected: 0 for 0x40 GOAWAY)",
                refuse(new Wire().str("").frame(0x40, -1)));
    }

    @Test
    void badMagic() {
        byte[] bytes = new Wire().u32(0x47494C56).u16(1).u16(1).str("").str("").frame(0x01, 0);
        assertError(ErrorCode.BAD_FRAME, 0, "HELLO magic: 0x47494c56 (expected: 0x5647494c \"VGIL\")", refuse(bytes));
    }

    @Test
    void truncatedHello() {
        byte[] bytes = new Wire().u32(FrameLayout.MAGIC).u16(1).u8(0).frame(0x01, 0);
        assertError(ErrorCode.BAD_FRAME, 0, "HELLO max_version: missing (expected: 2 bytes, 1 left in the frame)", refuse(bytes));
    }

    @Test
    void stringLengthPastTheEndOfTheFrame() {
        byte[] bytes = new Wire().u32(FrameLayout.MAGIC).u16(1).u16(1).u16(300).bytes(new byte[10]).frame(0x01, 0);
        assertError(ErrorCode.BAD_FRAME, 0, "HELLO token: 300 bytes (expected: <= 10, the bytes left in the frame)", refuse(bytes));
    }

    @Test
    void stringThatIsNotUtf8() {
        byte[] bytes = new Wire().u32(100).u16(2).u8(0xC3).u8(0x28).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE policy: not valid UTF-8", refuse(bytes));
    }

    @Test
    void imageBytesPastTheEndOfTheFrame() {
        byte[] bytes = scoreFields().u8(1).u32(5000).bytes(new byte[120]).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE image.byte_length: 5000 (expected: <= 120, the bytes left in the frame)", refuse(bytes));
    }

    @Test
    void truncatedRawImageFields() {
        byte[] bytes = scoreFields().u8(2).u8(1).u32(2).u32(2).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE image.row_stride: missing (expected: 4 bytes, 0 left in the frame)", refuse(bytes));
    }

    @Test
    void unknownImageKind() {
        byte[] bytes = scoreFields().u8(3).u32(0).u8(0).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE image.kind: 3 (expected: 1 encoded or 2 raw)", refuse(bytes));
    }

    @Test
    void unknownPixelFormat() {
        byte[] bytes = scoreFields().u8(2).u8(6).u32(1).u32(1).u32(3).u32(3).bytes(new byte[3]).u8(0).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE image.pixel_format: 6 (expected: 1 RGB, 2 BGR, 3 RGBA, 4 BGRA or 5 GRAY)", refuse(bytes));
    }

    @Test
    void unknownSourceImageKind() {
        byte[] bytes = scoreFields().u8(1).u32(1).u8(0).u8(1).u8(0).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE source.kind: 0 (expected: 1 encoded or 2 raw)", refuse(bytes));
    }

    @Test
    void hasSourceOtherThanZeroOrOne() {
        byte[] bytes = scoreFields().u8(1).u32(1).u8(0).u8(2).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE has_source: 2 (expected: 0 or 1)", refuse(bytes));
    }

    @Test
    void missingHasSource() {
        byte[] bytes = scoreFields().u8(1).u32(1).u8(0).frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE has_source: missing (expected: 1 bytes, 0 left in the frame)", refuse(bytes));
    }

    @Test
    void u32AboveTheVersion1Range() {
        byte[] bytes = new Wire().u32(0x80000000L).str("").frame(0x10, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "SCORE timeout_ms: 2147483648 (expected: <= 2147483647)", refuse(bytes));
    }

    @Test
    void bytesAfterTheLastField() {
        byte[] bytes = new Wire().u64(1).u8(0).frame(0x20, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "PING payload: 1 bytes after the last field (expected: 0)", refuse(bytes));
        tearDown();
        setUp();
        assertError(ErrorCode.BAD_FRAME, 9, "CANCEL payload: 2 bytes after the last field (expected: 0)", refuse(new Wire().u16(0).frame(0x30, 9)));
    }

    @Test
    void unknownDecision() {
        byte[] bytes = new Wire().u8(3).u8(0).u32(2).str("{}").frame(0x11, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "VERDICT decision: 3 (expected: 0 ALLOW, 1 REVIEW or 2 BLOCK)", refuse(bytes));
    }

    @Test
    void flagByteOtherThanZeroOrOne() {
        byte[] bytes = new Wire().u16(6).u8(7).str("").frame(0x12, 8);
        assertError(ErrorCode.BAD_FRAME, 8, "ERROR retryable: 7 (expected: 0 or 1)", refuse(bytes));
    }

    @Test
    void errorCodesUnknownToThisVersionAreKept() {
        byte[] bytes = new Wire().u16(999).u8(1).str("newer").frame(0x12, 8);
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(bytes)));
        ErrorFrame e = channel.readInbound();
        assertEquals(999, e.code());
        assertNull(e.errorCode());
        assertTrue(e.retryable());
    }

    @Test
    void helloOfferingAnyVersionRangeDecodes() {
        // versions are negotiated by the server, not refused by the decoder
        byte[] bytes = new Wire().u32(FrameLayout.MAGIC).u16(7).u16(3).str("").str("").frame(0x01, 0);
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(bytes)));
        assertEquals(new HelloFrame(7, 3, "", ""), channel.readInbound());
        assertEquals(-1, ProtocolVersion.negotiate(7, 3));
        assertEquals(-1, ProtocolVersion.negotiate(3, 9));
        assertEquals(2, ProtocolVersion.negotiate(2, 9));
        assertEquals(2, ProtocolVersion.negotiate(0, 9));
        assertEquals(1, ProtocolVersion.negotiate(1, 1));
    }

    @Test
    void framesBeforeAnErrorAreDelivered() {
        byte[] good = FrameCodecTest.encode(new PingFrame(1, 1));
        byte[] bad = new Wire().frame(0x7f, 2);
        ByteBuf in = Unpooled.buffer().writeBytes(good).writeBytes(bad).writeBytes(good);
        assertThrows(ProtocolException.class, () -> channel.writeInbound(in));
        assertEquals(new PingFrame(1, 1), channel.readInbound());
        assertNull(channel.readInbound());
        assertEquals(0, in.refCnt());
    }

    @Test
    void partialFrameAtCloseIsDropped() {
        byte[] bytes = FrameCodecTest.encode(new PingFrame(1, 1));
        assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, bytes.length - 1)));
        // finish() in tearDown closes the channel; the decoder releases its partial frame and emits nothing
    }
}
