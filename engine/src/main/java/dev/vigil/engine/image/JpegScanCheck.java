package dev.vigil.engine.image;

import dev.vigil.engine.InputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Whether a JPEG's entropy-coded data really holds every block its frame header promises.
 * libjpeg decodes a scan that ends early (cut off, with or without an end-of-image marker
 * appended) by filling the rest with grey and a "premature end of data segment" warning that
 * OpenCV drops, so without this a picture 90 % missing would be scored on what is left.
 * <p>
 * Baseline and extended sequential Huffman JPEGs (SOF0, SOF1), the kind generators write, are
 * walked here: every scan's Huffman codes are read, block by block, across restart intervals,
 * without any inverse DCT, and a scan whose data stops before its last block is refused.
 * Progressive JPEGs (SOF2) are decoded once by the JDK's own libjpeg with a warning listener:
 * its premature-end warning refuses them the same way. Any other coding (arithmetic, lossless,
 * hierarchical) is refused. Stateless and thread-safe.
 */
final class JpegScanCheck {
    private JpegScanCheck() {
    }

    /** Throws {@link InputException} on {@code image.bytes} when the scan data ends early or is not Huffman-coded as expected. */
    static void check(byte[] b) {
        int frame = frameType(b);
        if (frame == 0xC2) {
            checkProgressive(b);
        } else if (frame == 0xC0 || frame == 0xC1) {
            new Walk(b).run();
        } else {
            throw refused(String.format("JPEG coding: ff %02x (expected: Huffman-coded baseline, extended sequential or progressive, ff c0..c2)", frame));
        }
    }

    private static int frameType(byte[] b) {
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = b[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                return marker;
            }
            pos += 2 + (((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF));
        }
        return -1;
    }

    static InputException refused(String message) {
        return new InputException("image.bytes", message);
    }

    private static void checkProgressive(byte[] b) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        if (!readers.hasNext()) {
            throw refused("progressive JPEG: no JPEG reader in this JDK to check its scans (expected: javax.imageio's)");
        }
        ImageReader reader = readers.next();
        StringBuilder warnings = new StringBuilder();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    warnings.append(warning).append("; ");
                }
            });
            reader.read(0).flush();
        } catch (IOException | RuntimeException e) {
            throw refused("progressive JPEG: " + e.getMessage() + " (expected: every scan complete)");
        } finally {
            reader.dispose();
        }
        if (warnings.length() > 0) {
            throw refused("progressive JPEG: " + warnings.substring(0, warnings.length() - 2) + " (expected: every scan complete)");
        }
    }

    /** One pass over a sequential Huffman JPEG: tables, frame, each scan's blocks. */
    private static final class Walk {
        private final byte[] b;
        private final Huffman[] dc = new Huffman[4];
        private final Huffman[] ac = new Huffman[4];
        private int restartInterval;
        private int width;
        private int height;
        private int maxH = 1;
        private int maxV = 1;
        private int[] componentIds = new int[0];
        private int[] h = new int[0];
        private int[] v = new int[0];
        // bit reader over the current scan's entropy-coded bytes
        private int pos;
        private long bits;
        private int bitCount;
        /** Set once the reader met a marker: it feeds zero bits from then on, as libjpeg does. */
        private boolean atMarker;
        /** How many of the buffered bits (the lowest ones) are those zeros, not data. */
        private int fakeBits;
        /** Set once a block consumed bits past the data: the scan ended early. */
        private boolean exhausted;

        Walk(byte[] b) {
            this.b = b;
        }

        void run() {
            int p = 2;
            int scans = 0;
            while (p + 2 <= b.length) {
                if ((b[p] & 0xFF) != 0xFF) {
                    throw refused(String.format("JPEG byte at offset %d: %02x (expected: ff, a marker)", p, b[p]));
                }
                int marker = b[p + 1] & 0xFF;
                if (marker == 0xFF) {
                    p++;
                    continue;
                }
                if (marker == 0xD9) {
                    break;
                }
                if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7) {
                    p += 2;
                    continue;
                }
                int length = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
                int body = p + 4;
                int end = p + 2 + length;
                switch (marker) {
                    case 0xC4 -> readHuffmanTables(body, end);
                    case 0xDD -> restartInterval = ((b[body] & 0xFF) << 8) | (b[body + 1] & 0xFF);
                    case 0xC0, 0xC1 -> readFrame(body);
                    case 0xDA -> {
                        p = scan(body, end);
                        scans++;
                        continue;
                    }
                    default -> {
                    }
                }
                p = end;
            }
            if (scans == 0) {
                throw refused("JPEG has no scan (expected: at least one)");
            }
        }

        private void readFrame(int at) {
            height = ((b[at + 1] & 0xFF) << 8) | (b[at + 2] & 0xFF);
            width = ((b[at + 3] & 0xFF) << 8) | (b[at + 4] & 0xFF);
            int n = b[at + 5] & 0xFF;
            componentIds = new int[n];
            h = new int[n];
            v = new int[n];
            for (int i = 0; i < n; i++) {
                componentIds[i] = b[at + 6 + 3 * i] & 0xFF;
                h[i] = Math.max(1, (b[at + 7 + 3 * i] & 0xFF) >> 4);
                v[i] = Math.max(1, b[at + 7 + 3 * i] & 0x0F);
                maxH = Math.max(maxH, h[i]);
                maxV = Math.max(maxV, v[i]);
            }
        }

        private void readHuffmanTables(int at, int end) {
            while (at + 17 <= end) {
                int tc = (b[at] & 0xFF) >> 4;
                int th = b[at] & 0x0F;
                int[] counts = new int[17];
                int total = 0;
                for (int l = 1; l <= 16; l++) {
                    counts[l] = b[at + l] & 0xFF;
                    total += counts[l];
                }
                if (th > 3 || tc > 1 || at + 17 + total > end) {
                    throw refused("JPEG Huffman table at offset " + at + ": class " + tc + ", id " + th + ", " + total + " symbols (expected: a table that fits its segment)");
                }
                byte[] symbols = java.util.Arrays.copyOfRange(b, at + 17, at + 17 + total);
                (tc == 0 ? dc : ac)[th] = new Huffman(counts, symbols);
                at += 17 + total;
            }
        }

        /** Reads one scan's blocks; returns where the entropy-coded data ended (at the next marker). */
        private int scan(int at, int end) {
            if (componentIds.length == 0) {
                throw refused("JPEG scan before its frame header");
            }
            int ns = b[at] & 0xFF;
            int[] comp = new int[ns];
            Huffman[] dcs = new Huffman[ns];
            Huffman[] acs = new Huffman[ns];
            for (int i = 0; i < ns; i++) {
                int id = b[at + 1 + 2 * i] & 0xFF;
                int tables = b[at + 2 + 2 * i] & 0xFF;
                comp[i] = -1;
                for (int c = 0; c < componentIds.length; c++) {
                    if (componentIds[c] == id) {
                        comp[i] = c;
                    }
                }
                if (comp[i] < 0) {
                    throw refused("JPEG scan names component " + id + " (expected: one of the frame's)");
                }
                dcs[i] = dc[tables >> 4];
                acs[i] = ac[tables & 0x0F];
                if (dcs[i] == null || acs[i] == null) {
                    throw refused("JPEG scan uses a Huffman table it never defined (component " + id + ")");
                }
            }
            pos = end;
            bits = 0;
            bitCount = 0;
            fakeBits = 0;
            atMarker = false;
            exhausted = false;
            long mcus;
            int[] blocksPerMcu = new int[ns];
            if (ns == 1) {
                int c = comp[0];
                long cw = ceilDiv((long) width * h[c], maxH);
                long ch = ceilDiv((long) height * v[c], maxV);
                mcus = ceilDiv(cw, 8) * ceilDiv(ch, 8);
                blocksPerMcu[0] = 1;
            } else {
                mcus = ceilDiv(width, 8L * maxH) * ceilDiv(height, 8L * maxV);
                for (int i = 0; i < ns; i++) {
                    blocksPerMcu[i] = h[comp[i]] * v[comp[i]];
                }
            }
            for (long m = 0; m < mcus; m++) {
                if (restartInterval > 0 && m > 0 && m % restartInterval == 0) {
                    restart(m, mcus);
                }
                for (int i = 0; i < ns; i++) {
                    for (int k = 0; k < blocksPerMcu[i]; k++) {
                        block(dcs[i], acs[i]);
                    }
                }
                if (exhausted) {
                    throw refused(String.format("JPEG scan data ends early (premature end of data): %d of %d units (MCUs) present, %.0f%% missing"
                            + " (expected: every unit of the %dx%d frame; libjpeg would fill the rest with grey)", m, mcus, 100.0 * (mcus - m) / mcus, width, height));
                }
            }
            // skip to the marker that ends the scan
            int p = pos;
            while (p + 1 < b.length && !((b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) != 0 && ((b[p + 1] & 0xFF) < 0xD0 || (b[p + 1] & 0xFF) > 0xD7))) {
                p++;
            }
            return p;
        }

        /** Byte-aligns and expects a restart marker where the interval ends. */
        private void restart(long m, long mcus) {
            bits = 0;
            bitCount = 0;
            fakeBits = 0;
            // a marker the reader already met is the restart marker; else find it after the padding
            int p = pos;
            while (p + 1 < b.length && !((b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFF) != 0)) {
                p++;
            }
            if (p + 1 >= b.length || (b[p + 1] & 0xFF) < 0xD0 || (b[p + 1] & 0xFF) > 0xD7) {
                throw refused(String.format("JPEG scan data ends early: no restart marker after unit %d of %d (expected: one every %d units)",
                        m, mcus, restartInterval));
            }
            pos = p + 2;
            atMarker = false;
        }

        private void block(Huffman dcTable, Huffman acTable) {
            int s = decode(dcTable);
            skip(s);
            for (int k = 1; k < 64; ) {
                int rs = decode(acTable);
                int r = rs >> 4;
                int size = rs & 15;
                if (size == 0) {
                    if (r != 15) {
                        return; // end of block
                    }
                    k += 16;
                } else {
                    k += r;
                    skip(size);
                    k++;
                }
            }
        }

        private void fill(int need) {
            while (bitCount < need) {
                int next = 0;
                if (!atMarker && pos < b.length) {
                    int byt = b[pos] & 0xFF;
                    if (byt == 0xFF) {
                        int following = pos + 1 < b.length ? b[pos + 1] & 0xFF : 0xD9;
                        if (following == 0x00) {
                            pos += 2;
                            next = 0xFF;
                        } else {
                            atMarker = true; // the data ran out: libjpeg feeds zeros from here on
                        }
                    } else {
                        pos++;
                        next = byt;
                    }
                } else {
                    atMarker = true;
                }
                if (atMarker) {
                    fakeBits += 8;
                }
                bits = (bits << 8) | next;
                bitCount += 8;
            }
        }

        private void consume(int n) {
            bitCount -= n;
            if (bitCount < fakeBits) {
                exhausted = true;
                fakeBits = bitCount;
            }
        }

        private void skip(int n) {
            if (n == 0) {
                return;
            }
            fill(n);
            consume(n);
        }

        private int decode(Huffman t) {
            fill(16);
            int peek = (int) (bits >>> (bitCount - 16)) & 0xFFFF;
            int fast = peek >>> (16 - Huffman.LOOKAHEAD);
            int length = t.lookLength[fast];
            if (length > 0) {
                consume(length);
                return t.lookSymbol[fast] & 0xFF;
            }
            for (int l = Huffman.LOOKAHEAD + 1; l <= 16; l++) {
                int code = peek >>> (16 - l);
                if (code <= t.maxCode[l]) {
                    consume(l);
                    int index = t.valPtr[l] + code - t.minCode[l];
                    return index >= 0 && index < t.symbols.length ? t.symbols[index] & 0xFF : 0;
                }
            }
            if (atMarker) {
                exhausted = true;
                bitCount = 0;
                fakeBits = 0;
                return 0; // zeros after the data ran out: reported by the caller
            }
            throw refused("JPEG scan data: a code no Huffman table has (expected: valid entropy-coded data)");
        }
    }

    /** A canonical Huffman table as JPEG's Annex C builds it. */
    private static final class Huffman {
        final int[] maxCode = new int[18];
        final int[] minCode = new int[17];
        final int[] valPtr = new int[17];
        final byte[] symbols;
        /** Codes up to this long are found in one table look-up of the next bits. */
        static final int LOOKAHEAD = 9;
        final byte[] lookLength = new byte[1 << LOOKAHEAD];
        final byte[] lookSymbol = new byte[1 << LOOKAHEAD];

        Huffman(int[] counts, byte[] symbols) {
            this.symbols = symbols;
            int code = 0;
            int k = 0;
            for (int l = 1; l <= 16; l++) {
                valPtr[l] = k;
                minCode[l] = code;
                for (int i = 0; i < counts[l]; i++, code++, k++) {
                    if (l <= LOOKAHEAD) {
                        int shift = LOOKAHEAD - l;
                        for (int suffix = 0; suffix < 1 << shift; suffix++) {
                            int index = (code << shift) | suffix;
                            if (index < lookLength.length) {
                                lookLength[index] = (byte) l;
                                lookSymbol[index] = symbols[k];
                            }
                        }
                    }
                }
                maxCode[l] = counts[l] > 0 ? code - 1 : -1;
                code <<= 1;
            }
            maxCode[17] = Integer.MAX_VALUE;
        }
    }

    private static long ceilDiv(long a, long d) {
        return (a + d - 1) / d;
    }
}
