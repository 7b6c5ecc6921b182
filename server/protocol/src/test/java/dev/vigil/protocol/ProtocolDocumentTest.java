package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The worked examples of server/PROTOCOL.md are this encoder's real output: each frame below is
 * encoded, its hex dump must appear in the document verbatim, and the bytes decode back to it.
 */
@ExtendWith(LeakDetection.class)
class ProtocolDocumentTest {
    static final Path DOCUMENT = Path.of("../PROTOCOL.md");

    /** Example name (as in the document's headings) to frame. */
    static Map<String, Frame> examples() {
        Map<String, Frame> m = new LinkedHashMap<>();
        m.put("HELLO", new HelloFrame(1, 1, "s3cret", "worker-1"));
        m.put("HELLO_OK", new HelloOkFrame(1, FrameLayout.DEFAULT_MAX_FRAME, 64, FrameLayout.DEFAULT_MAX_IMAGE_BYTES, "vigil 0.1.0"));
        m.put("SCORE, encoded", new ScoreFrame(42, 250, "strict", ImageData.Encoded.of(SampleFrames.PNG_1X1), null));
        m.put("SCORE, raw with a source", new ScoreFrame(43, 0, "",
                new ImageData.Raw(ImageData.PixelFormat.RGB, 2, 2, 6, ByteBuffer.wrap(SampleFrames.RGB_2X2)),
                new ImageData.Raw(ImageData.PixelFormat.GRAY, 2, 1, 2, ByteBuffer.wrap(new byte[] {0x10, 0x20}))));
        m.put("VERDICT", new VerdictFrame(42, Decision.BLOCK, false, SampleFrames.verdictJson()));
        m.put("ERROR", ErrorFrame.of(44, ErrorCode.OVERLOADED, "in flight on this connection: 64 (expected: < 64)"));
        m.put("PING", new PingFrame(7, 0x0123456789ABCDEFL));
        m.put("PONG", new PongFrame(7, 0x0123456789ABCDEFL));
        m.put("CANCEL", new CancelFrame(42));
        m.put("GOAWAY", new GoAwayFrame("server shutting down"));
        return m;
    }

    @Test
    void everyWorkedExampleIsTheEncodersOutput() throws IOException {
        String doc = Files.readString(DOCUMENT);
        StringBuilder missing = new StringBuilder();
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        for (Map.Entry<String, Frame> e : examples().entrySet()) {
            byte[] bytes = FrameCodecTest.encode(e.getValue());
            String dump = Wire.hexdump(bytes);
            if (!doc.contains(dump)) {
                missing.append("\n### ").append(e.getKey()).append(" (").append(bytes.length).append(" bytes)\n").append(dump);
            }
            assertTrue(decoder.writeInbound(Unpooled.wrappedBuffer(bytes)));
            assertEquals(e.getValue(), decoder.readInbound());
        }
        assertEquals(false, decoder.finish());
        assertTrue(missing.isEmpty(), "examples missing from " + DOCUMENT + ":" + missing);
        assertTrue(doc.contains(SampleFrames.verdictJson()), "the VERDICT example's JSON:\n" + SampleFrames.verdictJson());
    }
}
