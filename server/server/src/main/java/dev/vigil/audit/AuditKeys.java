package dev.vigil.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The audit log's Ed25519 signing key (the JDK's own provider), kept as PEM files: the private
 * key (PKCS#8) readable by its owner only, the public key (X.509 SubjectPublicKeyInfo) beside
 * it, exported with every evidence bundle. A key id names the public key in every checkpoint:
 * the first 16 hex digits of the SHA-256 of its encoding. Immutable and thread-safe (each
 * signature uses its own {@link Signature}).
 */
public final class AuditKeys {
    public static final String PRIVATE_FILE = "audit-key.pem";
    public static final String PUBLIC_FILE = "audit-key.pub.pem";
    private static final String ALGORITHM = "Ed25519";
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    private AuditKeys(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId(publicKey);
    }

    /**
     * The key in {@code keyFile}, or, when it does not exist, a new key pair written there (mode
     * 0600) with its public key beside it. Refused when the private key file is readable or
     * writable by anyone but its owner, or does not hold an Ed25519 key.
     */
    public static AuditKeys loadOrCreate(Path keyFile) throws IOException {
        if (!Files.exists(keyFile)) {
            try {
                return create(keyFile);
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: use theirs
            }
        }
        return load(keyFile);
    }

    /** The key in {@code keyFile}; refused as {@link #loadOrCreate} says. */
    public static AuditKeys load(Path keyFile) throws IOException {
        checkPrivate(keyFile);
        byte[] der = pem(Files.readString(keyFile, StandardCharsets.US_ASCII), "PRIVATE KEY", keyFile);
        try {
            KeyFactory kf = KeyFactory.getInstance(ALGORITHM);
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(der));
            PublicKey pub;
            Path pubFile = publicFileFor(keyFile);
            if (Files.exists(pubFile)) {
                pub = readPublic(pubFile);
            } else {
                throw new IOException(pubFile + ": missing (expected: the public key written beside " + keyFile + ")");
            }
            AuditKeys keys = new AuditKeys(priv, pub);
            byte[] probe = "vigil-audit key check".getBytes(StandardCharsets.US_ASCII);
            if (!verify(pub, probe, keys.sign(probe))) {
                throw new IOException(pubFile + ": not the public key of " + keyFile + " (a signature made with one does not verify with the other)");
            }
            return keys;
        } catch (GeneralSecurityException e) {
            throw new IOException(keyFile + ": not an Ed25519 private key (" + e.getMessage() + ")", e);
        }
    }

    private static AuditKeys create(Path keyFile) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every JDK since 15", e);
        }
        Path dir = keyFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(keyFile.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(tmp);
            if (supportsPosix(dir)) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, toPem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
            Files.writeString(publicFileFor(keyFile), toPem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            // linked, not moved over: a key another process made meanwhile is kept, not replaced
            Files.createLink(keyFile, tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new AuditKeys(pair.getPrivate(), pair.getPublic());
    }

    private static boolean supportsPosix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void checkPrivate(Path keyFile) throws IOException {
        if (!Files.isRegularFile(keyFile)) {
            throw new IOException(keyFile + ": no such key file (expected: an Ed25519 private key in PEM, or none at all so that one is made)");
        }
        if (supportsPosix(keyFile.toAbsolutePath().getParent())) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission p : perms) {
                if (OTHERS.contains(p)) {
                    open.add(p);
                }
            }
            if (!open.isEmpty()) {
                throw new IOException(keyFile + ": mode " + PosixFilePermissions.toString(perms) + " (expected: rw------- , readable by its owner only;"
                        + " run: chmod 600 " + keyFile + ")");
            }
        }
    }

    /** The public key in a PEM file, as every verifier reads it. */
    public static PublicKey readPublic(Path file) throws IOException {
        byte[] der = pem(Files.readString(file, StandardCharsets.US_ASCII), "PUBLIC KEY", file);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an Ed25519 public key (" + e.getMessage() + ")", e);
        }
    }

    /** Where the public key of {@code keyFile} lives. */
    public static Path publicFileFor(Path keyFile) {
        String name = keyFile.getFileName().toString();
        String base = name.endsWith(".pem") ? name.substring(0, name.length() - 4) : name;
        return keyFile.resolveSibling(base + ".pub.pem");
    }

    public byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return keyId;
    }

    /** The public key as PEM, as bundles carry it. */
    public String publicPem() {
        return pem(publicKey);
    }

    /** A public key as PEM. */
    public static String pem(PublicKey key) {
        return toPem("PUBLIC KEY", key.getEncoded());
    }

    /** The encoding of the public key in PEM text {@code pem}. */
    public static byte[] readPublicBytes(byte[] pem) throws IOException {
        return pem(new String(pem, StandardCharsets.US_ASCII), "PUBLIC KEY", Path.of("bundle"));
    }

    public static String keyId(PublicKey key) {
        return HexFormat.of().formatHex(Merkle.sha256().digest(key.getEncoded())).substring(0, 16);
    }

    static String toPem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] pem(String text, String type, Path file) throws IOException {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(file + ": no " + begin + " block (expected: a PEM file)");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException bad) {
            throw new IOException(file + ": the " + type + " block is not base64 (" + bad.getMessage() + ")", bad);
        }
    }
}
