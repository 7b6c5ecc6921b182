/**
 * The Java client for a Vigil server: {@link dev.vigil.client.VigilClient} sends
 * {@link dev.vigil.client.ScoreCall}s and answers each with a {@link dev.vigil.client.ClientVerdict},
 * failing closed (BLOCK) whenever it gets no verdict. No engine, TensorFlow or OpenCV on the
 * class path: Netty and {@code vigil-protocol} only.
 *
 * <p>The wire format (server/PROTOCOL.md) is the shared codec of {@code dev.vigil.protocol},
 * the one the server uses: no class here knows a byte offset or a wire number. The client's
 * public types ({@link dev.vigil.client.Decision}, {@link dev.vigil.client.PixelFormat},
 * {@link dev.vigil.client.ErrorCode}, {@link dev.vigil.client.ClientImage}) map onto the
 * protocol's in package-private methods.
 */
package dev.vigil.client;
