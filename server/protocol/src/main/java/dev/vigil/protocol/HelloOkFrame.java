package dev.vigil.protocol;

/**
 * HELLO_OK (0x02), the server's answer to an accepted HELLO: the version chosen and the limits
 * the client must stay within. Request id 0.
 *
 * @param version       the version both sides now speak
 * @param maxFrame      largest length field the server accepts
 * @param maxInFlight   most SCOREs this connection may have unanswered at once
 * @param maxImageBytes largest byte_length of one image (encoded or raw)
 * @param serverName    the server's name and version, for logs
 */
public record HelloOkFrame(int version, int maxFrame, int maxInFlight, int maxImageBytes, String serverName) implements Frame {
    public HelloOkFrame {
        U16.check("version", version);
        U16.checkU31("max_frame", maxFrame);
        U16.checkU31("max_in_flight", maxInFlight);
        U16.checkU31("max_image_bytes", maxImageBytes);
        Strings.check("server_name", serverName);
    }

    @Override
    public long requestId() {
        return 0;
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO_OK;
    }
}
