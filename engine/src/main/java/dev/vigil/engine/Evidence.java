package dev.vigil.engine;

import dev.vigil.engine.hash.PdqResult;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageInput;
import dev.vigil.engine.image.RawImage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What identifies the images a verdict was about, without their pixels: for the image and the
 * source of an edit (null when there was none, or when the image was never decoded), the
 * SHA-256 of the bytes as received and their PDQ hash. What an audit record keeps so that a
 * verdict can later be tied to an image, and past verdicts matched against a new hash list.
 * Immutable.
 */
public record Evidence(Digest image, Digest source) {
    /** No image was decoded (refused before decoding, or failed in it). */
    public static final Evidence NONE = new Evidence(null, null);

    /**
     * @param sha256     hex SHA-256 of the encoded bytes (of the pixel buffer for raw pixels)
     * @param bytes      how many bytes that was
     * @param pdq        hex PDQ hash of the decoded image (64 digits)
     * @param pdqQuality PDQ's quality, 0-100
     * @param pdqDihedral the PDQ hashes of the image's eight rotations and mirrors, in
     *                    {@link dev.vigil.engine.hash.Dihedral} order (the first is {@code pdq}),
     *                    so that a list can later be matched against a turned or mirrored copy
     *                    without the image
     */
    public record Digest(String sha256, long bytes, String pdq, int pdqQuality, java.util.List<String> pdqDihedral) {
        public Digest {
            pdqDihedral = java.util.List.copyOf(pdqDihedral);
        }
    }

    /** The digest of one input, with the PDQ result of its decoded pixels. */
    static Digest of(ImageInput input, PdqResult pdq) {
        MessageDigest sha = sha256();
        long length;
        if (input instanceof EncodedImage e) {
            sha.update(e.bytes());
            length = e.bytes().length;
        } else {
            ByteBuffer raw = ((RawImage) input).pixels().duplicate();
            length = raw.remaining();
            sha.update(raw);
        }
        return new Digest(HexFormat.of().formatHex(sha.digest()), length, pdq.hash().toHex(), pdq.quality(),
                pdq.dihedral().stream().map(dev.vigil.engine.hash.PdqHash::toHex).toList());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
