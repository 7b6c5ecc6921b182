package dev.vigil.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check the codec tests rely on does report a buffer dropped without release. */
class LeakDetectorTest {

    @Test
    void aDroppedBufferIsReported() {
        new LeakDetection().beforeAll(null);
        leak();
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < 20 && leaks.isEmpty(); i++) {
            leaks.addAll(LeakDetection.collect());
        }
        assertFalse(leaks.isEmpty(), "the detector reported the dropped buffer");
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.writeLong(1);
    }
}
