package dev.vigil.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.protocol.ErrorFrame;
import dev.vigil.protocol.FrameEncoder;
import dev.vigil.protocol.ImageData;
import dev.vigil.protocol.ScoreFrame;
import dev.vigil.protocol.VerdictFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client's public types against dev.vigil.protocol's, which put them on the wire: images,
 * pixel formats, decisions, error codes and verdict details. The shared codec's own bytes are
 * checked in server/protocol (HandWrittenVectorsTest); here, that the client hands it the right
 * values. Expected bytes are written out by hand from the spec.
 */
class ProtocolMappingTest {

    @Test
    void clientImagesGoOnTheWireAsTheSpecSaysAndAgainOnARetry() {
        // 2x2 RGB with a row stride of 8: two bytes of padding after the first row, none after the last.
        ByteBuffer pixels = ByteBuffer.wrap(new byte[] {0x55, 1, 2, 3, 4, 5, 6, (byte) 0xEE, (byte) 0xEE, 7, 8, 9, 10, 11, 12});
        pixels.position(1); // the image starts at the buffer's position
        ClientImage raw = new ClientImage.Raw(pixels, 2, 2, 8, PixelFormat.RGB);
        ClientImage source = ClientImage.encoded(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
        ScoreFrame frame = new ScoreFrame(258, 0, "", ScoreExchange.imageData(raw), ScoreExchange.imageData(source));
        String expected = "0000003b" + "10" + "00" + "0000" + "0000000000000102" // length 12 + 47, SCORE, id 258
                + "00000000"                                                      // timeout_ms 0: server default
                + "0000"                                                          // policy "": server default
                + "02" + "01" + "00000002" + "00000002" + "00000008" + "0000000e" // raw, RGB, w 2, h 2, stride 8, 14 bytes
                + "010203040506eeee0708090a0b0c"
                + "01"                                                            // has_source 1
                + "01" + "00000003" + "ffd8ff";                                   // encoded source, 3 bytes
        assertEquals(expected, hex(frame));
        assertEquals(expected, hex(frame), "a retry writes the same bytes");
        assertEquals(1, pixels.position(), "the caller's buffer is not moved");
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
    void pixelFormatsAreTheProtocolsOfTheSameName() {
        for (PixelFormat f : PixelFormat.values()) {
            assertEquals(f.name(), f.protocolFormat().name());
        }
        assertEquals(ImageData.PixelFormat.values().length, PixelFormat.values().length, "every protocol format has a client one");
        assertEquals("3 3 4 4 1", Arrays.stream(PixelFormat.values()).map(f -> String.valueOf(f.channels()))
                .reduce((a, b) -> a + " " + b).orElseThrow());
    }

    @Test
    void decisionsAreTheProtocolsOfTheSameName() {
        for (dev.vigil.protocol.Decision d : dev.vigil.protocol.Decision.values()) {
            assertEquals(d.name(), Decision.of(d).name());
        }
    }

    @Test
    void errorCodesMapToTheProtocolTable() {
        for (dev.vigil.protocol.ErrorCode p : dev.vigil.protocol.ErrorCode.values()) {
            ErrorCode c = ErrorCode.of(p);
            assertEquals(p.name(), c.name());
            assertEquals(p.retryable(), c.retryable(), p.name());
            assertFalse(c.clientSide(), p.name());
        }
        assertEquals(ErrorCode.UNAUTHENTICATED, ErrorCode.of(new ErrorFrame(0, 3, false, "").errorCode()));
        assertEquals(ErrorCode.UNKNOWN, ErrorCode.of(new ErrorFrame(1, 999, true, "").errorCode()));
        assertFalse(ErrorCode.UNKNOWN.clientSide());
        assertTrue(ErrorCode.CONNECTION_FAILED.clientSide() && ErrorCode.CONNECTION_FAILED.retryable());
        assertTrue(ErrorCode.TIMEOUT.clientSide() && !ErrorCode.TIMEOUT.retryable());
        assertTrue(ErrorCode.CLIENT_CLOSED.clientSide() && !ErrorCode.CLIENT_CLOSED.retryable());
    }

    @Test
    void verdictDetailsAreReadButNeverOverruleTheDecisionByte() {
        ClientVerdict v = ClientVerdict.fromServer(new VerdictFrame(3, dev.vigil.protocol.Decision.REVIEW, false,
                "{\"decision\":\"REVIEW\",\"rule\":\"suggestive\",\"reason\":\"suggestive 0.7 >= 0.6\",\"signals\":{\"suggestive\":0.7,"
                        + "\"faces\":null},\"added_by_a_newer_server\":1}"));
        assertEquals(Decision.REVIEW, v.decision());
        assertEquals("suggestive", v.rule());
        assertEquals("suggestive 0.7 >= 0.6", v.reason());
        assertEquals(Map.of("suggestive", 0.7), v.signals());

        ClientVerdict unreadable = ClientVerdict.fromServer(new VerdictFrame(4, dev.vigil.protocol.Decision.ALLOW, false, "{\"rule\":"));
        assertEquals(Decision.ALLOW, unreadable.decision());
        assertTrue(unreadable.reason().startsWith("unreadable verdict json: "), unreadable.reason());
        assertEquals("{\"rule\":", unreadable.detailsJson());

        ClientVerdict bare = ClientVerdict.fromServer(new VerdictFrame(5, dev.vigil.protocol.Decision.BLOCK, true, ""));
        assertEquals(Decision.BLOCK, bare.decision());
        assertTrue(bare.failedClosed());
        assertEquals("", bare.reason());
        assertNull(bare.error(), "the server decided; the client did not fail");
    }

    private static String hex(ScoreFrame frame) {
        ByteBuf bytes = FrameEncoder.encode(ByteBufAllocator.DEFAULT, frame);
        try {
            return ByteBufUtil.hexDump(bytes);
        } finally {
            bytes.release();
        }
    }
}
