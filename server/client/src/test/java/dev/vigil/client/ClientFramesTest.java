package dev.vigil.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The client's frames byte for byte against server/PROTOCOL.md. Expected bytes are written out
 * by hand from the spec, field by field, never produced by the code under test.
 */
class ClientFramesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @Test
    void helloCarriesMagicVersionRangeTokenAndName() {
        assertFrame("0000001d" + "01" + "00" + "0000" + "0000000000000000" // length 12 + 17, HELLO, flags, reserved, id 0
                + "5647494c" + "0001" + "0001"                              // "VGIL", min_version 1, max_version 1
                + "0003" + "74306b"                                         // token "t0k"
                + "0002" + "6a76",                                          // client_name "jv"
                ClientFrames.hello(ALLOC, "t0k", "jv"));
    }

    @Test
    void scoreWithEncodedImageAndNoSource() {
        byte[] policy = "strict".getBytes(StandardCharsets.UTF_8);
        ClientImage image = ClientImage.encoded(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertFrame("00000022" + "10" + "00" + "0000" + "0000000000000007" // length 12 + 22, SCORE, id 7
                + "000005dc"                                                // timeout_ms 1500
                + "0006" + "737472696374"                                   // policy "strict"
                + "01" + "00000004" + "89504e47"                            // encoded, byte_length 4, bytes
                + "00",                                                     // has_source 0
                ClientFrames.score(ALLOC, 7, 1500, policy, image, null));
        assertEquals(0x22, ClientFrames.scoreLength(policy, image, null));
    }

    @Test
    void scoreWithRawPixelsAndEncodedSource() {
        // 2x2 RGB with a row stride of 8: two bytes of padding after the first row, none after the last.
        byte[] pixels = {1, 2, 3, 4, 5, 6, (byte) 0xEE, (byte) 0xEE, 7, 8, 9, 10, 11, 12};
        ClientImage raw = ClientImage.raw(pixels, 2, 2, 8, PixelFormat.RGB);
        ClientImage source = ClientImage.encoded(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
        assertFrame("0000003b" + "10" + "00" + "0000" + "0000000000000102" // length 12 + 47, SCORE, id 258
                + "00000000"                                                // timeout_ms 0: server default
                + "0000"                                                    // policy "": server default
                + "02" + "01" + "00000002" + "00000002" + "00000008" + "0000000e" // raw, RGB, w 2, h 2, stride 8, 14 bytes
                + "010203040506eeee0708090a0b0c"
                + "01"                                                      // has_source 1
                + "01" + "00000003" + "ffd8ff",                             // encoded source, 3 bytes
                ClientFrames.score(ALLOC, 258, 0, new byte[0], raw, source));
    }

    @Test
    void rawPixelFormatsUseTheirWireBytes() {
        assertEquals("1 2 3 4 5", PixelFormat.RGB.wireValue() + " " + PixelFormat.BGR.wireValue() + " "
                + PixelFormat.RGBA.wireValue() + " " + PixelFormat.BGRA.wireValue() + " " + PixelFormat.GRAY.wireValue());
    }

    @Test
    void rawImageTooShortForItsGeometryIsRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClientImage.raw(new byte[13], 2, 2, 8, PixelFormat.RGB));
        assertEquals("pixels: 13 bytes (expected: >= 14 = rowStride * (height - 1) + width * channels)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClientImage.raw(new byte[100], 4, 2, 11, PixelFormat.RGB));
        assertEquals("rowStride: 11 (expected: >= 12 for width 4 RGB)", e.getMessage());
    }

    @Test
    void cancelPingAndPong() {
        assertFrame("0000000c" + "30" + "00" + "0000" + "0000000000000009", ClientFrames.cancel(ALLOC, 9));
        assertFrame("00000014" + "21" + "00" + "0000" + "0000000000000000" + "000000000000002a",
                ClientFrames.pingOrPong(ALLOC, ClientFrames.PONG, 0, 42));
    }

    @Test
    void decodesEveryServerFrameFedOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
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
        byte[] bytes = ByteBufUtil.decodeHexDump(stream);
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(new ClientFrames.HelloOk(0, 1, 33558528, 256, 33554432, "vigil"), channel.readInbound());
        assertEquals(new ClientFrames.VerdictFrame(3, Decision.BLOCK, true, "{\"a\":1}"), channel.readInbound());
        assertEquals(new ClientFrames.ErrorFrame(4, 6, true, "busy"), channel.readInbound());
        assertEquals(new ClientFrames.Ping(0, 0x0102030405060708L), channel.readInbound());
        assertEquals(new ClientFrames.Pong(5, 1), channel.readInbound());
        assertEquals(new ClientFrames.GoAway(0, "bye"), channel.readInbound());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void refusesNonZeroFlagsThenDiscardsTheRest() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(
                hex("00000014" + "20" + "01" + "0000" + "0000000000000000" + "0000000000000000")));
        assertEquals("flags: 1 (expected: 0)", e.getMessage());
        // Whatever follows is dropped, even a well-formed frame: the connection is being closed.
        channel.writeInbound(hex("00000014" + "21" + "00" + "0000" + "0000000000000000" + "0000000000000000"));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void refusesALengthOverTheLimitBeforeBufferingThePayload() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrameDecoder(65536));
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(hex("00011170" + "11" + "00" + "0000" + "0000000000000001")));
        assertEquals("length: 70000 (expected: <= 65536)", e.getMessage());
        assertFalse(channel.finish());
    }

    @Test
    void refusesMalformedPayloadsNamingTheField() {
        assertCorrupt("length: 11 (expected: >= 12)", "0000000b" + "20" + "00" + "0000" + "0000000000000000");
        assertCorrupt("type: 0x10 (expected: HELLO_OK, VERDICT, ERROR, PING, PONG or GOAWAY)",
                "0000000c" + "10" + "00" + "0000" + "0000000000000001");
        assertCorrupt("decision: 3 (expected: 0, 1 or 2)",
                "00000012" + "11" + "00" + "0000" + "0000000000000001" + "03" + "00" + "00000000");
        assertCorrupt("failed_closed: 2 (expected: 0 or 1)",
                "00000012" + "11" + "00" + "0000" + "0000000000000001" + "02" + "02" + "00000000");
        assertCorrupt("json: needs 9 bytes, 1 left in the frame",
                "00000013" + "11" + "00" + "0000" + "0000000000000001" + "00" + "00" + "00000009" + "7b");
        assertCorrupt("payload: 1 bytes after the last field of type 0x21 (expected: 0)",
                "00000015" + "21" + "00" + "0000" + "0000000000000001" + "0000000000000001" + "ff");
    }

    @Test
    void errorCodesMapToTheProtocolTable() {
        assertEquals(ErrorCode.UNAUTHENTICATED, ErrorCode.ofWire(3));
        assertEquals(ErrorCode.OVERLOADED, ErrorCode.ofWire(6));
        assertTrue(ErrorCode.ofWire(9).retryable());
        assertFalse(ErrorCode.ofWire(5).retryable());
        assertEquals(ErrorCode.DUPLICATE_REQUEST_ID, ErrorCode.ofWire(11));
        assertEquals(ErrorCode.UNKNOWN, ErrorCode.ofWire(0));
        assertEquals(ErrorCode.UNKNOWN, ErrorCode.ofWire(999));
    }

    private static void assertCorrupt(String message, String frame) {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientFrameDecoder(1 << 20));
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(hex(frame)));
        assertEquals(message, e.getMessage());
        assertFalse(channel.finish());
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private static void assertFrame(String expectedHex, ByteBuf frame) {
        try {
            assertEquals(expectedHex, ByteBufUtil.hexDump(frame));
        } finally {
            frame.release();
        }
    }
}
