package dev.vigil.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bytes of blocked images, kept as evidence when the operator asks for it ({@code --retain
 * blocked}): encrypted at rest with AES-256-GCM under a key the operator provides (never made
 * by Vigil, never written by it), stored once per content ({@code retained/ab/<sha256>.bin},
 * the SHA-256 of the plaintext, which the record holds), and purged once older than the
 * retention period; the records stay, and stay verifiable, since they hold only the hash. A
 * file is {@code "VGR1"}, a 12-byte nonce, then the ciphertext with its tag; the SHA-256 is the
 * associated data, so a file renamed to another image's hash does not decrypt. Thread-safe.
 */
public final class RetentionStore {
    private static final byte[] MAGIC = "VGR1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final Path dir;
    private final SecretKeySpec key;
    private final Duration retention;
    private final SecureRandom random = new SecureRandom();

    private RetentionStore(Path dir, byte[] key, Duration retention) {
        this.dir = dir;
        this.key = new SecretKeySpec(key, "AES");
        this.retention = retention;
    }

    /**
     * @param dir       where the encrypted files go (made if missing)
     * @param keyFile   32 bytes of key, as 64 hex digits or base64 text, readable by its owner only
     * @param retention how long a file is kept after the last block of its image
     */
    public static RetentionStore open(Path dir, Path keyFile, Duration retention) throws IOException {
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retain-for: " + retention + " (expected: > 0)");
        }
        if (keyFile == null || !Files.isRegularFile(keyFile)) {
            throw new IllegalArgumentException("retain-key: " + keyFile + " (expected: a file holding a 256-bit key as 64 hex digits or base64;"
                    + " make one with: head -c 32 /dev/urandom | base64 > key && chmod 600 key)");
        }
        if (keyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalArgumentException("retain-key: " + keyFile + " is readable or writable by others (expected: mode 600)");
            }
        }
        String text = Files.readString(keyFile, StandardCharsets.US_ASCII).strip();
        byte[] key;
        try {
            key = text.matches("[0-9a-fA-F]{64}") ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("retain-key: " + keyFile + " holds " + key.length + " bytes of key (expected: 32, as 64 hex digits or base64)");
        }
        Files.createDirectories(dir);
        return new RetentionStore(dir, key, retention);
    }

    public Duration retention() {
        return retention;
    }

    /** Where the image with this SHA-256 is kept. */
    public Path file(String sha256) {
        return dir.resolve(sha256.substring(0, 2)).resolve(sha256 + ".bin");
    }

    /** Keeps {@code image} (whose SHA-256 is {@code sha256}), encrypted; an image kept already has its clock restarted. */
    public void keep(byte[] image, String sha256) throws IOException {
        Path target = file(sha256);
        if (Files.exists(target)) {
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return;
        }
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] sealed;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(sha256.getBytes(StandardCharsets.US_ASCII));
            sealed = c.doFinal(image);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + NONCE + sealed.length).put(MAGIC).put(nonce).put(sealed);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + Thread.currentThread().getId());
        Files.write(tmp, out.array());
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The image kept under {@code sha256}, decrypted and checked against its hash. */
    public byte[] read(String sha256) throws IOException {
        byte[] file = Files.readAllBytes(file(sha256));
        if (file.length < MAGIC.length + NONCE || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
            throw new IOException(file(sha256) + ": not a retained image (no VGR1 header)");
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, file, MAGIC.length, NONCE));
            c.updateAAD(sha256.getBytes(StandardCharsets.US_ASCII));
            plain = c.doFinal(file, MAGIC.length + NONCE, file.length - MAGIC.length - NONCE);
        } catch (GeneralSecurityException e) {
            throw new IOException(file(sha256) + ": does not decrypt with this key (another key, or the file was changed)", e);
        }
        String actual = HexFormat.of().formatHex(Merkle.sha256Of(plain));
        if (!actual.equals(sha256)) {
            throw new IOException(file(sha256) + ": decrypts to an image whose SHA-256 is " + actual);
        }
        return plain;
    }

    /** Deletes what is older than the retention period; returns how many files. */
    public int purge() throws IOException {
        Instant cutoff = Instant.now().minus(retention);
        int purged = 0;
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(f);
                    purged++;
                }
            }
        }
        return purged;
    }
}
