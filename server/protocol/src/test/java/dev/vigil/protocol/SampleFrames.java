package dev.vigil.protocol;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One or more frames of every type, with edge values (unsigned ids, empty and non-ASCII strings, both image kinds). */
public final class SampleFrames {
    /** A valid 1x1 grey PNG, 69 bytes. */
    public static final byte[] PNG_1X1 = HexFormat.of().parseHex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
            + "0000000c4944415478da63686868000003040181752e01bc0000000049454e44ae426082");

    /** 2x2 RGB pixels, rows of 6 bytes: red, green / blue, white. */
    public static final byte[] RGB_2X2 = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255};

    private SampleFrames() {
    }

    public static String verdictJson() {
        Map<String, Double> signals = new LinkedHashMap<>();
        signals.put("sexual", 0.91);
        signals.put("suggestive", 0.07);
        return new VerdictDetails("42", "BLOCK", "sexual", "sexual 0.91 >= 0.5", signals, Map.of(), List.of(),
                List.of("nsfw-mobilenet-v2-mid/1"), "strict", "1", new VerdictDetails.Timings(2100, 350, 4200, 12, 6700)).toJson();
    }

    public static List<Frame> all() {
        // a padded raw image: rows of 8 bytes holding 2 BGRA pixels... and a stride wider than needed
        byte[] padded = new byte[10 * 2 + 8];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = (byte) i;
        }
        return List.of(
                new HelloFrame(1, 1, "s3cret", "worker-1"),
                new HelloFrame(1, 7, "", ""),
                new HelloFrame(0xFFFF, 0, "t\u00f6ken \uD83D\uDD11", "g\u00e9n\u00e9rateur"),
                new HelloOkFrame(1, FrameLayout.DEFAULT_MAX_FRAME, 64, FrameLayout.DEFAULT_MAX_IMAGE_BYTES, "vigil 0.1.0"),
                new ScoreFrame(42, 250, "strict", ImageData.Encoded.of(PNG_1X1), null),
                ScoreFrame.of(-1L, ImageData.Encoded.of(new byte[0])),
                new ScoreFrame(43, 0, "", new ImageData.Raw(ImageData.PixelFormat.RGB, 2, 2, 6, ByteBuffer.wrap(RGB_2X2)),
                        ImageData.Encoded.of(PNG_1X1)),
                new ScoreFrame(44, Integer.MAX_VALUE, "permissive",
                        new ImageData.Raw(ImageData.PixelFormat.BGRA, 2, 3, 10, ByteBuffer.wrap(padded)),
                        new ImageData.Raw(ImageData.PixelFormat.GRAY, 1, 1, 1, ByteBuffer.wrap(new byte[] {7}))),
                new ScoreFrame(45, 1, "p", new ImageData.Raw(ImageData.PixelFormat.BGR, 0, 0, 0, ByteBuffer.allocate(0)), null),
                new ScoreFrame(46, 1, "p", new ImageData.Raw(ImageData.PixelFormat.RGBA, 1, 1, 4, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})), null),
                new VerdictFrame(42, Decision.BLOCK, false, verdictJson()),
                new VerdictFrame(Long.MIN_VALUE, Decision.ALLOW, false, "{}"),
                new VerdictFrame(9, Decision.REVIEW, true, "{\"reason\":\"\u00e9\"}"),
                ErrorFrame.of(42, ErrorCode.OVERLOADED, "in flight on this connection: 64 (expected: < 64)"),
                new ErrorFrame(0, 0xFFFF, true, ""),
                new PingFrame(7, 0x0123456789ABCDEFL),
                new PingFrame(0, -1L),
                new PongFrame(7, 0x0123456789ABCDEFL),
                new CancelFrame(42),
                new CancelFrame(-2L),
                new GoAwayFrame("shutting down"),
                new GoAwayFrame(""));
    }
}
