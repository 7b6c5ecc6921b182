package dev.vigil.engine.image;

import dev.vigil.engine.InputException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * What an encoded image declares about itself, read from its header without decoding a pixel:
 * the format (from the magic bytes), the stored size, the sample depth, the channel count and,
 * for JPEG, the EXIF orientation. The decoder checks these against its limits before it lets
 * OpenCV allocate anything. Immutable.
 *
 * <p>A truncated or inconsistent header is refused with an {@link InputException} on
 * {@code image.bytes} naming the format and what was wrong; bytes that match no known signature
 * are refused on {@code image.format}. A JPEG must also end with its end-of-image marker after
 * the first scan: libjpeg decodes a truncated scan to grey with only a warning on stderr, so
 * this is the one place a cut JPEG can be caught.
 *
 * @param format the format the magic bytes name
 * @param width stored width in pixels, before any EXIF orientation
 * @param height stored height in pixels, before any EXIF orientation
 * @param bitDepth bits per sample as stored: the PNG bit depth (the index width for palette
 *     images), the JPEG sample precision, 8 for WebP; for BMP the bits per pixel over the
 *     channels (8 for 24- and 32-bit, 5 for 16-bit) or the index width of a palette image
 * @param channels samples per pixel as stored, after any palette and counting alpha: 1 grey,
 *     2 grey and alpha, 3 colour, 4 colour and alpha (a JPEG's component count: 4 is CMYK)
 * @param orientation EXIF orientation (1 to 8) of a JPEG with an Exif APP1 segment, 1 for
 *     every other image; 5 to 8 transpose width and height when decoded
 */
public record ImageHeader(ImageFormat format, int width, int height, int bitDepth, int channels, int orientation) {
    private static final String FIELD = "image.bytes";

    public ImageHeader {
        if (format == null) {
            throw new IllegalArgumentException("format: null (expected: a format)");
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size: " + width + "x" + height + " (expected: both > 0)");
        }
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("orientation: " + orientation + " (expected: 1 to 8)");
        }
    }

    /** Width once the EXIF orientation is applied, as {@link ImageDecoder} returns the image. */
    public int displayWidth() {
        return orientation >= 5 ? height : width;
    }

    /** Height once the EXIF orientation is applied, as {@link ImageDecoder} returns the image. */
    public int displayHeight() {
        return orientation >= 5 ? width : height;
    }

    /** Width × height, the figure the pixel limit applies to. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Names the format from the magic bytes. Input shorter than a signature that matches as far
     * as it goes is named too, so that reading its header reports it as truncated.
     *
     * @throws InputException on {@code image.format} when no signature matches
     */
    public static ImageFormat sniff(byte[] bytes) {
        if (startsWith(bytes, 0, PNG_SIGNATURE)) {
            return ImageFormat.PNG;
        }
        if (startsWith(bytes, 0, JPEG_SOI)) {
            return ImageFormat.JPEG;
        }
        if (startsWith(bytes, 0, RIFF) && startsWith(bytes, 8, WEBP)) {
            return ImageFormat.WEBP;
        }
        if (startsWith(bytes, 0, BMP_MAGIC)) {
            return ImageFormat.BMP;
        }
        String first = bytes.length == 0 ? "no bytes"
                : "first bytes " + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(bytes.length, 8));
        throw new InputException("image.format", "unknown, " + first + " (expected: a PNG, JPEG, WebP or BMP signature)");
    }

    /**
     * Sniffs the format and reads the header.
     *
     * @throws InputException on {@code image.format} for an unknown signature, on
     *     {@code image.bytes} for a truncated or inconsistent header
     */
    public static ImageHeader read(byte[] bytes) {
        return read(bytes, sniff(bytes));
    }

    /** Reads the header of bytes already sniffed as {@code format}. */
    static ImageHeader read(byte[] bytes, ImageFormat format) {
        return switch (format) {
            case PNG -> readPng(bytes);
            case JPEG -> readJpeg(bytes);
            case WEBP -> readWebp(bytes);
            case BMP -> readBmp(bytes);
        };
    }

    // ---- PNG ----------------------------------------------------------------------------------
    //
    //  0                   8          12         16        20         24  25  26  27  28  29     33
    //  +-------------------+----------+----------+---------+----------+---+---+---+---+---+------+
    //  | 89 P N G 0D 0A 1A 0A | length=13 | "IHDR" | width  | height   |dep|col|cmp|flt|ilc| CRC  |
    //  +-------------------+----------+----------+---------+----------+---+---+---+---+---+------+
    //  All integers big-endian; the CRC covers "IHDR" and the 13 data bytes.

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final int PNG_IHDR_LENGTH = 8;
    private static final int PNG_IHDR_TYPE = 12;
    private static final int PNG_WIDTH = 16;
    private static final int PNG_HEIGHT = 20;
    private static final int PNG_BIT_DEPTH = 24;
    private static final int PNG_COLOUR_TYPE = 25;
    private static final int PNG_COMPRESSION = 26;
    private static final int PNG_FILTER = 27;
    private static final int PNG_INTERLACE = 28;
    private static final int PNG_IHDR_CRC = 29;
    private static final int PNG_HEADER_END = 33;

    private static ImageHeader readPng(byte[] b) {
        requireLength(b, PNG_HEADER_END, "PNG", "the IHDR chunk");
        String type = ascii(b, PNG_IHDR_TYPE, 4);
        if (!type.equals("IHDR") || be32(b, PNG_IHDR_LENGTH) != 13) {
            throw malformed("PNG first chunk: \"" + type + "\" of length " + be32(b, PNG_IHDR_LENGTH)
                    + " (expected: \"IHDR\" of length 13)");
        }
        CRC32 crc = new CRC32();
        crc.update(b, PNG_IHDR_TYPE, PNG_IHDR_CRC - PNG_IHDR_TYPE);
        long stored = be32(b, PNG_IHDR_CRC);
        if (crc.getValue() != stored) {
            throw malformed(String.format("PNG IHDR CRC: %08x (expected: %08x)", stored, crc.getValue()));
        }
        long width = be32(b, PNG_WIDTH);
        long height = be32(b, PNG_HEIGHT);
        if (width == 0 || width > Integer.MAX_VALUE || height == 0 || height > Integer.MAX_VALUE) {
            throw malformed("PNG size: " + width + "x" + height + " (expected: 1 to 2147483647 each)");
        }
        int depth = u8(b, PNG_BIT_DEPTH);
        int colourType = u8(b, PNG_COLOUR_TYPE);
        int channels = switch (colourType) {
            case 0 -> 1;
            case 2, 3 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw malformed("PNG colour type: " + colourType + " (expected: 0, 2, 3, 4 or 6)");
        };
        boolean depthFits = switch (colourType) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            default -> depth == 8 || depth == 16;
        };
        if (!depthFits) {
            throw malformed("PNG bit depth: " + depth + " for colour type " + colourType + " (expected: "
                    + (colourType == 0 ? "1, 2, 4, 8 or 16" : colourType == 3 ? "1, 2, 4 or 8" : "8 or 16") + ")");
        }
        if (b[PNG_COMPRESSION] != 0 || b[PNG_FILTER] != 0 || u8(b, PNG_INTERLACE) > 1) {
            throw malformed("PNG compression, filter, interlace methods: " + b[PNG_COMPRESSION] + ", "
                    + b[PNG_FILTER] + ", " + u8(b, PNG_INTERLACE) + " (expected: 0, 0, 0 or 1)");
        }
        return new ImageHeader(ImageFormat.PNG, (int) width, (int) height, depth, channels, 1);
    }

    // ---- JPEG ---------------------------------------------------------------------------------
    //
    //  FF D8 (SOI), then segments: FF (FF fill bytes)* marker [length(2, big-endian, counts
    //  itself) payload], up to the first FF DA (SOS); the entropy-coded scans follow and the
    //  image ends with FF D9 (EOI). The frame header SOFn (FF C0..CF but not C4 DHT, C8 JPG,
    //  CC DAC) carries: length(2) precision(1) height(2) width(2) components(1) then 3 bytes
    //  per component.

    private static final byte[] JPEG_SOI = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final int MARKER_TEM = 0x01;
    private static final int MARKER_SOF0 = 0xC0;
    private static final int MARKER_DHT = 0xC4;
    private static final int MARKER_JPG = 0xC8;
    private static final int MARKER_DAC = 0xCC;
    private static final int MARKER_SOF15 = 0xCF;
    private static final int MARKER_RST0 = 0xD0;
    private static final int MARKER_RST7 = 0xD7;
    private static final int MARKER_SOI = 0xD8;
    private static final int MARKER_EOI = 0xD9;
    private static final int MARKER_SOS = 0xDA;
    private static final int MARKER_APP1 = 0xE1;

    private static ImageHeader readJpeg(byte[] b) {
        int pos = 2;
        int width = 0;
        int height = 0;
        int precision = 0;
        int components = 0;
        int orientation = 0;
        while (true) {
            if (pos >= b.length) {
                throw malformed("JPEG truncated at offset " + pos + " before " + (components == 0 ? "the frame header" : "the first scan"));
            }
            if (u8(b, pos) != 0xFF) {
                throw malformed(String.format("JPEG byte at offset %d: %02x (expected: ff, a marker)", pos, b[pos]));
            }
            int markerAt = pos;
            while (pos < b.length && u8(b, pos) == 0xFF) {
                pos++; // fill bytes may precede any marker
            }
            if (pos >= b.length) {
                throw malformed("JPEG truncated in the fill bytes at offset " + markerAt);
            }
            int marker = u8(b, pos++);
            if (marker == 0x00 || marker == MARKER_SOI) {
                throw malformed(String.format("JPEG marker at offset %d: ff %02x (expected: a segment marker)", markerAt, marker));
            }
            if (marker == MARKER_EOI) {
                throw malformed("JPEG end of image at offset " + markerAt + " before " + (components == 0 ? "a frame header" : "any scan"));
            }
            if (marker == MARKER_TEM || (marker >= MARKER_RST0 && marker <= MARKER_RST7)) {
                continue; // standalone markers carry no length
            }
            requireLength(b, pos + 2, "JPEG", String.format("the length of segment ff %02x at offset %d", marker, markerAt));
            int length = be16(b, pos);
            if (length < 2) {
                throw malformed(String.format("JPEG segment ff %02x at offset %d length: %d (expected: >= 2)", marker, markerAt, length));
            }
            int end = pos + length;
            if (end > b.length) {
                throw malformed(String.format("JPEG truncated in segment ff %02x at offset %d: declares %d bytes, %d remain",
                        marker, markerAt, length, b.length - pos));
            }
            if (isStartOfFrame(marker) && components == 0) {
                if (length < 8) {
                    throw malformed(String.format("JPEG frame header ff %02x length: %d (expected: >= 8)", marker, length));
                }
                precision = u8(b, pos + 2);
                height = be16(b, pos + 3);
                width = be16(b, pos + 5);
                components = u8(b, pos + 7);
                if (components < 1 || components > 4) {
                    throw malformed("JPEG components: " + components + " (expected: 1 to 4)");
                }
                if (length != 8 + 3 * components) {
                    throw malformed("JPEG frame header length: " + length + " (expected: 8 + 3 * components = " + (8 + 3 * components) + ")");
                }
                if (precision < 2 || precision > 16) {
                    throw malformed("JPEG sample precision: " + precision + " (expected: 2 to 16)");
                }
                if (width == 0 || height == 0) {
                    throw malformed("JPEG size: " + width + "x" + height
                            + " (expected: both > 0; a height deferred to a DNL marker is not supported)");
                }
            } else if (marker == MARKER_APP1 && orientation == 0) {
                orientation = exifOrientation(b, pos + 2, end);
            } else if (marker == MARKER_SOS) {
                if (components == 0) {
                    throw malformed("JPEG scan at offset " + markerAt + " before any frame header");
                }
                requireEndOfImage(b, end);
                return new ImageHeader(ImageFormat.JPEG, width, height, precision, components, orientation == 0 ? 1 : orientation);
            }
            pos = end;
        }
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= MARKER_SOF0 && marker <= MARKER_SOF15
                && marker != MARKER_DHT && marker != MARKER_JPG && marker != MARKER_DAC;
    }

    /** Entropy-coded data escapes every FF, so FF D9 after the first scan can only be the EOI. */
    private static void requireEndOfImage(byte[] b, int scanStart) {
        for (int i = b.length - 2; i >= scanStart; i--) {
            if (u8(b, i) == 0xFF && u8(b, i + 1) == MARKER_EOI) {
                return;
            }
        }
        throw malformed("JPEG truncated: no end-of-image marker (ff d9) after the scan data at offset " + scanStart);
    }

    /**
     * The orientation tag (0x0112) of IFD0 in an Exif APP1 payload, 0 when the segment is not
     * Exif or has none. A malformed Exif block is ignored, as OpenCV ignores it.
     */
    private static int exifOrientation(byte[] b, int start, int end) {
        int tiff = start + 6;
        if (tiff + 8 > end || !ascii(b, start, 4).equals("Exif") || b[start + 4] != 0 || b[start + 5] != 0) {
            return 0;
        }
        boolean little;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            little = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            little = false;
        } else {
            return 0;
        }
        long ifd = tiff + (little ? le32(b, tiff + 4) & 0xFFFFFFFFL : be32(b, tiff + 4));
        if (ifd + 2 > end) {
            return 0;
        }
        int entries = little ? le16(b, (int) ifd) : be16(b, (int) ifd);
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            if (entry + 12 > end) {
                return 0;
            }
            int tag = little ? le16(b, entry) : be16(b, entry);
            int type = little ? le16(b, entry + 2) : be16(b, entry + 2);
            if (tag == 0x0112) {
                int value = little ? le16(b, entry + 8) : be16(b, entry + 8);
                return type == 3 && value >= 1 && value <= 8 ? value : 0;
            }
        }
        return 0;
    }

    // ---- WebP ---------------------------------------------------------------------------------
    //
    //  0      4           8      12         16           20
    //  +------+-----------+------+----------+------------+------------------------------------+
    //  | RIFF | size (LE) | WEBP | fourcc   | chunk size | chunk payload                      |
    //  +------+-----------+------+----------+------------+------------------------------------+
    //  size counts from offset 8. The first chunk is one of:
    //    "VP8 " (lossy):    frame tag(3) 9D 01 2A, width(LE16) & 0x3FFF, height(LE16) & 0x3FFF
    //    "VP8L" (lossless): 2F, then LE32 bits: width-1 (14), height-1 (14), alpha (1), version (3)
    //    "VP8X" (extended): flags(1) (0x10 alpha, 0x02 animation), reserved(3),
    //                       canvas width-1 (LE24), canvas height-1 (LE24)

    private static final byte[] RIFF = {'R', 'I', 'F', 'F'};
    private static final byte[] WEBP = {'W', 'E', 'B', 'P'};
    private static final int RIFF_SIZE = 4;
    private static final int WEBP_CHUNK_FOURCC = 12;
    private static final int WEBP_CHUNK_SIZE = 16;
    private static final int WEBP_PAYLOAD = 20;

    private static ImageHeader readWebp(byte[] b) {
        requireLength(b, WEBP_PAYLOAD, "WebP", "the RIFF header");
        long riffEnd = 8 + (le32(b, RIFF_SIZE) & 0xFFFFFFFFL);
        if (riffEnd > b.length) {
            throw malformed("WebP truncated: RIFF declares " + riffEnd + " bytes, " + b.length + " present");
        }
        String fourcc = ascii(b, WEBP_CHUNK_FOURCC, 4);
        long chunkEnd = WEBP_PAYLOAD + (le32(b, WEBP_CHUNK_SIZE) & 0xFFFFFFFFL);
        if (chunkEnd > riffEnd) {
            throw malformed("WebP chunk \"" + fourcc + "\" ends at " + chunkEnd + " (expected: <= RIFF end " + riffEnd + ")");
        }
        int p = WEBP_PAYLOAD;
        switch (fourcc) {
            case "VP8 " -> {
                requireChunk(chunkEnd, p + 10, fourcc);
                if ((b[p] & 1) != 0 || u8(b, p + 3) != 0x9D || u8(b, p + 4) != 0x01 || u8(b, p + 5) != 0x2A) {
                    throw malformed(String.format("WebP VP8 frame tag, start code: %02x, %02x %02x %02x (expected: even, 9d 01 2a)",
                            b[p], b[p + 3], b[p + 4], b[p + 5]));
                }
                return webp(le16(b, p + 6) & 0x3FFF, le16(b, p + 8) & 0x3FFF, 3);
            }
            case "VP8L" -> {
                requireChunk(chunkEnd, p + 5, fourcc);
                int bits = le32(b, p + 1);
                if (u8(b, p) != 0x2F || (bits >>> 29) != 0) {
                    throw malformed(String.format("WebP VP8L signature, version: %02x, %d (expected: 2f, 0)", b[p], bits >>> 29));
                }
                return webp((bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1, ((bits >>> 28) & 1) == 1 ? 4 : 3);
            }
            case "VP8X" -> {
                requireChunk(chunkEnd, p + 10, fourcc);
                return webp(le24(b, p + 4) + 1, le24(b, p + 7) + 1, (b[p] & 0x10) != 0 ? 4 : 3);
            }
            default -> throw malformed("WebP first chunk: \"" + fourcc + "\" (expected: \"VP8 \", \"VP8L\" or \"VP8X\")");
        }
    }

    private static void requireChunk(long chunkEnd, int needed, String fourcc) {
        if (chunkEnd < needed) {
            throw malformed("WebP chunk \"" + fourcc + "\" size: " + (chunkEnd - WEBP_PAYLOAD)
                    + " (expected: >= " + (needed - WEBP_PAYLOAD) + ")");
        }
    }

    private static ImageHeader webp(int width, int height, int channels) {
        if (width == 0 || height == 0) {
            throw malformed("WebP size: " + width + "x" + height + " (expected: both > 0)");
        }
        return new ImageHeader(ImageFormat.WEBP, width, height, 8, channels, 1);
    }

    // ---- BMP ----------------------------------------------------------------------------------
    //
    //  0    2           6          10              14            18        22        26       28       30
    //  +----+-----------+----------+---------------+-------------+---------+---------+--------+--------+-------------+
    //  | BM | file size | reserved | pixels offset | header size | width   | height  | planes | bit    | compression |
    //  |    |           |          |               | 40,52,56,   | (int32) | (int32, | (=1)   | count  | (int32)     |
    //  |    |           |          |               | 108,124     |         | <0 top- |        |        |             |
    //  |    |           |          |               |             |         | down)   |        |        |             |
    //  +----+-----------+----------+---------------+-------------+---------+---------+--------+--------+-------------+
    //  All little-endian. The 12-byte BITMAPCOREHEADER instead has width(16) height(16) planes(16)
    //  bit count(16) at 18, and no compression.

    private static final byte[] BMP_MAGIC = {'B', 'M'};
    private static final int BMP_PIXELS_OFFSET = 10;
    private static final int BMP_HEADER_SIZE = 14;
    private static final int BMP_WIDTH = 18;
    private static final int BMP_HEIGHT = 22;
    private static final int BMP_PLANES = 26;
    private static final int BMP_BIT_COUNT = 28;
    private static final int BMP_COMPRESSION = 30;
    private static final int BMP_CORE_HEADER = 12;
    private static final int BI_RGB = 0;
    private static final int BI_RLE8 = 1;
    private static final int BI_RLE4 = 2;
    private static final int BI_BITFIELDS = 3;

    private static ImageHeader readBmp(byte[] b) {
        requireLength(b, BMP_WIDTH, "BMP", "the file header");
        int headerSize = le32(b, BMP_HEADER_SIZE);
        if (headerSize != BMP_CORE_HEADER && headerSize != 40 && headerSize != 52 && headerSize != 56
                && headerSize != 108 && headerSize != 124) {
            throw malformed("BMP header size: " + headerSize + " (expected: 12, 40, 52, 56, 108 or 124)");
        }
        requireLength(b, BMP_HEADER_SIZE + headerSize, "BMP", "the " + headerSize + "-byte info header");
        long width;
        long height;
        int planes;
        int bitCount;
        int compression;
        if (headerSize == BMP_CORE_HEADER) {
            width = le16(b, BMP_WIDTH);
            height = le16(b, BMP_WIDTH + 2);
            planes = le16(b, BMP_WIDTH + 4);
            bitCount = le16(b, BMP_WIDTH + 6);
            compression = BI_RGB;
        } else {
            width = le32(b, BMP_WIDTH);
            height = le32(b, BMP_HEIGHT);
            planes = le16(b, BMP_PLANES);
            bitCount = le16(b, BMP_BIT_COUNT);
            compression = le32(b, BMP_COMPRESSION);
        }
        boolean topDown = height < 0;
        height = Math.abs(height);
        if (width <= 0 || height == 0 || height > Integer.MAX_VALUE) {
            throw malformed("BMP size: " + width + "x" + (topDown ? -height : height) + " (expected: width > 0, height != 0)");
        }
        if (planes != 1) {
            throw malformed("BMP planes: " + planes + " (expected: 1)");
        }
        if (bitCount != 1 && bitCount != 4 && bitCount != 8 && bitCount != 16 && bitCount != 24 && bitCount != 32) {
            throw malformed("BMP bits per pixel: " + bitCount + " (expected: 1, 4, 8, 16, 24 or 32)");
        }
        boolean compressionFits = switch (compression) {
            case BI_RGB -> true;
            case BI_RLE8 -> bitCount == 8 && !topDown;
            case BI_RLE4 -> bitCount == 4 && !topDown;
            case BI_BITFIELDS -> bitCount == 16 || bitCount == 32;
            default -> false;
        };
        if (!compressionFits) {
            throw malformed("BMP compression: " + compression + " with " + bitCount + " bits per pixel"
                    + (topDown ? ", top-down" : "") + " (expected: 0 none, 1 RLE8 at 8 bits, 2 RLE4 at 4 bits,"
                    + " 3 bit fields at 16 or 32 bits; RLE only bottom-up)");
        }
        long offset = le32(b, BMP_PIXELS_OFFSET) & 0xFFFFFFFFL;
        if (offset < BMP_HEADER_SIZE + headerSize) {
            throw malformed("BMP pixel offset: " + offset + " (expected: >= " + (BMP_HEADER_SIZE + headerSize) + ", after the headers)");
        }
        long available = b.length - offset;
        if (compression == BI_RLE8 || compression == BI_RLE4) {
            if (available <= 0) {
                throw malformed("BMP truncated: no RLE data at offset " + offset + " of " + b.length + " bytes");
            }
        } else {
            // Uncompressed rows are padded to 4 bytes, so their total size is known up front.
            long rowBytes = (bitCount * width + 31) / 32 * 4;
            if (available < 0 || rowBytes > available / height) {
                throw malformed("BMP truncated: " + height + " rows of " + rowBytes + " bytes from offset " + offset
                        + ", " + Math.max(0, available) + " bytes present");
            }
        }
        int channels = bitCount == 32 ? 4 : 3;
        int depth = bitCount <= 8 ? bitCount : bitCount / channels;
        return new ImageHeader(ImageFormat.BMP, (int) width, (int) height, depth, channels, 1);
    }

    // ---- shared -------------------------------------------------------------------------------

    private static boolean startsWith(byte[] b, int offset, byte[] signature) {
        // A prefix of a signature counts, so that a short file reads as truncated, not unknown.
        if (b.length <= offset) {
            return offset > 0 && b.length >= 2;
        }
        int n = Math.min(signature.length, b.length - offset);
        for (int i = 0; i < n; i++) {
            if (b[offset + i] != signature[i]) {
                return false;
            }
        }
        return offset + n >= 2;
    }

    private static void requireLength(byte[] b, int needed, String format, String what) {
        if (b.length < needed) {
            throw malformed(format + " truncated in " + what + ": " + b.length + " bytes (expected: >= " + needed + ")");
        }
    }

    private static InputException malformed(String message) {
        return new InputException(FIELD, message);
    }

    private static String ascii(byte[] b, int offset, int length) {
        return new String(b, offset, length, StandardCharsets.ISO_8859_1);
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int be16(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static long be32(byte[] b, int i) {
        return ((long) be16(b, i) << 16) | be16(b, i + 2);
    }

    private static int le16(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    private static int le24(byte[] b, int i) {
        return le16(b, i) | (u8(b, i + 2) << 16);
    }

    private static int le32(byte[] b, int i) {
        return le16(b, i) | (le16(b, i + 2) << 16);
    }
}
