package dev.vigil.protocol;

/**
 * HELLO (0x01), the client's first frame: the magic "VGIL", the range of versions it speaks,
 * its token (empty when it has none) and a name for the server's logs. Request id 0.
 */
public record HelloFrame(int minVersion, int maxVersion, String token, String clientName) implements Frame {
    public HelloFrame {
        U16.check("min_version", minVersion);
        U16.check("max_version", maxVersion);
        Strings.check("token", token);
        Strings.check("client_name", clientName);
    }

    @Override
    public long requestId() {
        return 0;
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    /** Leaves the token out, so that logging a frame cannot leak it. */
    @Override
    public String toString() {
        return "HelloFrame[minVersion=" + minVersion + ", maxVersion=" + maxVersion + ", token=" + (token.isEmpty() ? "(none)" : "(" + token.length() + " chars)")
                + ", clientName=" + clientName + "]";
    }
}
