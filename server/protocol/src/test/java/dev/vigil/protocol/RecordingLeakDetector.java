package dev.vigil.protocol;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's leak detector, keeping every leak it reports so that a test can fail on it. Installed
 * for every ByteBuf by the surefire property {@code io.netty.customResourceLeakDetector}; see
 * {@link LeakDetection}. Thread-safe.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        INSTANCES.incrementAndGet();
    }

    /** The constructor Netty looks for first; without it, it logs an error before using the other. */
    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
        INSTANCES.incrementAndGet();
    }

    /** How many detectors Netty made of this class (0: the property did not reach the JVM). */
    public static int instances() {
        return INSTANCES.get();
    }

    /** The leaks reported since the last call. */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String s; (s = LEAKS.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + " leaked:" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType + " leaked (no records)");
        super.reportUntracedLeak(resourceType);
    }
}
