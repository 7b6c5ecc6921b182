package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Frames byte for byte against server/PROTOCOL.md. Expected bytes are written out by hand from
 * the spec, field by field, never produced by the code under test. (These vectors were the Java
 * client's, from before it used this codec: they pin what the client sends and reads.)
 */
@ExtendWith(LeakDetection.class)
class HandWrittenVectorsTest {

    @Test
    void helloCarriesMagicVersionRangeTokenAndName() {
        assertEncodes("0000001d" + "01" + "00" + "0000" + "0000000000000000" // length 12 + 17, HELLO, flags, reserved, id 0
                + "5647494c" + "0001" + "0001"                              // "VGIL", min_version 1, max_version 1
                + "0003" + "74306b"                                         // token "t0k"
                + "0002" + "6a76",                                          // client_name "jv"
                new HelloFrame(1, 1, "t0k", "jv"));
    }

    @Test
    void scoreWithEncodedImageAndNoSource() {
        assertEncodes("00000022" + "10" + "00" + "0000" + "0000000000000007" // length 12 + 22, SCORE, id 7
                + "000005dc"                                                // timeout_ms 1500
                + "0006" + "737472696374"                                   // policy "strict"
                + "01" + "00000004" + "89504e47"                            // encoded, byte_length 4, bytes
                + "00",                                                     // has_source 0
                new ScoreFrame(7, 1500, "strict", ImageData.Encoded.of(new byte[] {(byte) 0x89, 'P', 'N', 'G'}), null));
    }

    @Test
    void scoreWithRawPixelsAndEncodedSource() {
        // 2x2 RGB with a row stride of 8: two bytes of padding after the first row, none after the last.
        byte[] pixels = {1, 2, 3, 4, 5, 6, (byte) 0xEE, (byte) 0xEE, 7, 8, 9, 10, 11, 12};
        assertEncodes("0000003b" + "10" + "00" + "0000" + "0000000000000102" // length 12 + 47, SCORE, id 258
                + "00000000"                                                // timeout_ms 0: server default
                + "0000"                                                    // policy "": server default
                + "02" + "01" + "00000002" + "00000002" + "00000008" + "0000000e" // raw, RGB, w 2, h 2, stride 8, 14 bytes
                + "010203040506eeee0708090a0b0c"
                + "01"                                                      // has_source 1
                + "01" + "00000003" + "ffd8ff",                             // encoded source, 3 bytes
                new ScoreFrame(258, 0, "", new ImageData.Raw(ImageData.PixelFormat.RGB, 2, 2, 8, ByteBuffer.wrap(pixels)),
                        ImageData.Encoded.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})));
    }

    @Test
    void cancelPingAndPong() {
        assertEncodes("0000000c" + "30" + "00" + "0000" + "0000000000000009", new CancelFrame(9));
        assertEncodes("00000014" + "21" + "00" + "0000" + "0000000000000000" + "000000000000002a", new PongFrame(0, 42));
    }

    @Test
    void codesAreTheSpecsTables() {
        assertEquals(List.of(1, 2, 3, 4, 5), codes(ImageData.PixelFormat.RGB.code(), ImageData.PixelFormat.BGR.code(),
                ImageData.PixelFormat.RGBA.code(), ImageData.PixelFormat.BGRA.code(), ImageData.PixelFormat.GRAY.code()));
        assertEquals(List.of(0, 1, 2), codes(Decision.ALLOW.code(), Decision.REVIEW.code(), Decision.BLOCK.code()));
        assertEquals(ErrorCode.UNAUTHENTICATED, ErrorCode.of(3));
        assertEquals(ErrorCode.OVERLOADED, ErrorCode.of(6));
        assertTrue(ErrorCode.of(9).retryable());
        assertFalse(ErrorCode.of(5).retryable());
        assertEquals(ErrorCode.DUPLICATE_REQUEST_ID, ErrorCode.of(11));
        assertNull(ErrorCode.of(0));
        assertNull(ErrorCode.of(999));
    }

    @Test
    void decodesEveryServerFrameFedOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20));
        String stream = ""
                // HELLO_OK: version 1, max_frame 33558528, max_in_flight 256, max_image_bytes 33554432, "vigil"
                + "00000021" + "02" + "00" + "0000" + "0000000000000000"
                + "0001" + "02001000" + "00000100" + "02000000" + "0005" + "766967696c"
                // VERDICT id 3: BLOCK, failed_closed 1, json {"a":1}
                + "00000019" + "11" + "00" + "0000" + "0000000000000003"
                + "02" + "01" + "00000007" + "7b2261223a317d"
                // ERROR id 4: OVERLOADED, retryable, "busy"
                + "00000015" + "12" + "00" + "0000" + "0000000000000004"
                + "0006" + "01" + "0004" + "62757379"
                // PING id 0, opaque 0x0102030405060708; PONG id 5, opaque 1
                + "00000014" + "20" + "00" + "0000" + "0000000000000000" + "0102030405060708"
                + "00000014" + "21" + "00" + "0000" + "0000000000000005" + "0000000000000001"
                // GOAWAY "bye"
                + "00000011" + "40" + "00" + "0000" + "0000000000000000" + "0003" + "627965";
        for (byte b : ByteBufUtil.decodeHexDump(stream)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        List<Frame> frames = new ArrayList<>();
        for (Frame f; (f = channel.readInbound()) != null; ) {
            frames.add(f);
        }
        assertEquals(List.of(
                new HelloOkFrame(1, 33558528, 256, 33554432, "vigil"),
                new VerdictFrame(3, Decision.BLOCK, true, "{\"a\":1}"),
                new ErrorFrame(4, 6, true, "busy"),
                new PingFrame(0, 0x0102030405060708L),
                new PongFrame(5, 1),
                new GoAwayFrame("bye")), frames);
        assertFalse(channel.finish());
    }

    @Test
    void refusesNonZeroFlagsThenDiscardsTheRest() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20));
        ProtocolException e = assertThrows(ProtocolException.class, () -> channel.writeInbound(
                hex("00000014" + "20" + "01" + "0000" + "0000000000000000" + "0000000000000000")));
        assertEquals("flags: 0x01 (expected: 0x00 in version 1; 0x01 RECEIPT on a SCORE needs version 2)", e.getMessage());
        // Whatever follows is dropped, even a well-formed frame: the connection is being closed.
        channel.writeInbound(hex("00000014" + "21" + "00" + "0000" + "0000000000000000" + "0000000000000000"));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void refusesALengthOverTheLimitBeforeBufferingThePayload() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(65536));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> channel.writeInbound(hex("00011170" + "11" + "00" + "0000" + "0000000000000001")));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code());
        assertEquals("length: 70000 (expected: <= 65536)", e.getMessage());
        assertFalse(channel.finish());
    }

    @Test
    void refusesMalformedPayloadsNamingTheField() {
        assertRefused("length: 11 (expected: >= 12)", "0000000b" + "20" + "00" + "0000" + "0000000000000000");
        assertRefused("SCORE timeout_ms: missing (expected: 4 bytes, 0 left in the frame)",
                "0000000c" + "10" + "00" + "0000" + "0000000000000001");
        assertRefused("VERDICT decision: 3 (expected: 0 ALLOW, 1 REVIEW or 2 BLOCK)",
                "00000012" + "11" + "00" + "0000" + "0000000000000001" + "03" + "00" + "00000000");
        assertRefused("VERDICT failed_closed: 2 (expected: 0 or 1)",
                "00000012" + "11" + "00" + "0000" + "0000000000000001" + "02" + "02" + "00000000");
        assertRefused("VERDICT json: 9 bytes (expected: <= 1, the bytes left in the frame)",
                "00000013" + "11" + "00" + "0000" + "0000000000000001" + "00" + "00" + "00000009" + "7b");
        assertRefused("PONG payload: 1 bytes after the last field (expected: 0)",
                "00000015" + "21" + "00" + "0000" + "0000000000000001" + "0000000000000001" + "ff");
    }

    private static List<Integer> codes(int... codes) {
        return Arrays.stream(codes).boxed().toList();
    }

    private static void assertRefused(String message, String frame) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20));
        ProtocolException e = assertThrows(ProtocolException.class, () -> channel.writeInbound(hex(frame)));
        assertEquals(ErrorCode.BAD_FRAME, e.code());
        assertEquals(message, e.getMessage());
        assertFalse(channel.finish());
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private static void assertEncodes(String expectedHex, Frame frame) {
        assertEquals(expectedHex, ByteBufUtil.hexDump(FrameCodecTest.encode(frame)));
    }
}
