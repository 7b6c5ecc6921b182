/**
 * The Java client for a Vigil server: {@link dev.vigil.client.VigilClient} sends
 * {@link dev.vigil.client.ScoreCall}s and answers each with a {@link dev.vigil.client.ClientVerdict},
 * failing closed (BLOCK) whenever it gets no verdict. No engine, TensorFlow or OpenCV on the
 * class path: Netty only.
 *
 * <p>The wire format (server/PROTOCOL.md) is encoded and parsed here by the package-private
 * {@code ClientFrames} and {@code ClientFrameDecoder}, a stand-in for the shared codec of
 * {@code dev.vigil.protocol}; they are the only classes that know byte offsets, so moving to the
 * shared codec replaces those two and the pipeline line in {@code VigilClient.connect}.
 */
package dev.vigil.client;
