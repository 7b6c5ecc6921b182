package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty's leak detector (at PARANOID, through {@link RecordingLeakDetector})
 * reports a buffer that was garbage collected without being released. After each test it
 * collects garbage and allocates a few tracked buffers, since the detector reports leaks only
 * when it next tracks one. A leak found after a test is blamed on that test, though it may come
 * from an earlier one in the same JVM whose buffer was collected late.
 */
public final class LeakDetection implements BeforeAllCallback, AfterEachCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "io.netty.leakDetection.level (expected: paranoid, set by the module's surefire configuration)");
        UnpooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
        assertTrue(RecordingLeakDetector.instances() > 0,
                "io.netty.customResourceLeakDetector (expected: dev.vigil.protocol.RecordingLeakDetector, set by surefire)");
        RecordingLeakDetector.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks = collect();
        assertTrue(leaks.isEmpty(), leaks.size() + " buffer(s) leaked:\n" + String.join("\n", leaks));
    }

    /** Collects garbage and lets the detectors report what was lost; returns (and forgets) the reports. */
    public static List<String> collect() {
        List<String> leaks = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20); // the reference handler thread enqueues what the collection found
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // each tracked allocation polls the detector's queue of collected, unreleased buffers
            for (int i = 0; i < 4; i++) {
                ByteBuf heap = UnpooledByteBufAllocator.DEFAULT.heapBuffer(1);
                ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(1);
                heap.release();
                direct.release();
            }
            leaks.addAll(RecordingLeakDetector.drain());
        }
        return leaks;
    }
}
