package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.engine.batch.BatchingConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Command lines the bench refuses before it loads anything: one line naming the option, exit status 1. */
class BenchCommandTest {
    record Outcome(int status, String out, String err) {
    }

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = BenchCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(status, out.toString(), err.toString());
    }

    @Test
    void jmhTakesOneProfile() {
        Outcome o = run("jmh", "--quick", "--full");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --quick and --full: choose one", o.err().strip());
    }

    @Test
    void jmhParamNeedsNameAndValues() {
        Outcome o = run("jmh", "-p", "batch", "--list");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --param: batch (expected: NAME=V1,V2,...)", o.err().strip());
    }

    @Test
    void throughputRefusesAnOptionOfTheOtherInput() {
        Outcome o = run("throughput", "--input", "images", "--threads", "2");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --threads: not used with --input images", o.err().strip());
        o = run("throughput", "--input", "tensors", "--concurrency", "8");
        assertEquals("vigil bench: --concurrency: not used with --input tensors", o.err().strip());
    }

    @Test
    void throughputRefusesABatchBelowOne() {
        Outcome o = run("throughput", "--batch", "0");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --batch: 0 (expected: >= 1)", o.err().strip());
    }

    @Test
    void traceAndReportRefuseABatchBelowOne() {
        Outcome o = run("trace", "--batch", "0");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --batch: 0 (expected: >= 1)", o.err().strip());
        o = run("report", "--quick", "--trace-batch", "0");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --batch: " + BatchingConfig.DEFAULT_MAX_BATCH_SIZE + ", --trace-batch: 0 (expected: >= 1)", o.err().strip());
    }

    @Test
    void loadTakesOneMode() {
        Outcome o = run("load", "--clients", "4", "--rate", "10");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --clients, --rate and --sweep: choose one (closed loop, open loop, sweep)", o.err().strip());
    }

    @Test
    void loadRefusesOptionsOfAnotherMode() {
        assertEquals("vigil bench: --poisson: only with --rate or --sweep (a closed loop sends when answered)",
                run("load", "--poisson").err().strip());
        assertEquals("vigil bench: --expected-interval-ms: closed loop only (--rate measures from each request's intended send time)",
                run("load", "--rate", "5", "--expected-interval-ms", "20").err().strip());
        assertEquals("vigil bench: --max-in-flight: open loop only (a closed loop has --clients in flight)",
                run("load", "--clients", "2", "--max-in-flight", "8").err().strip());
        assertEquals("vigil bench: --model and --batch: only for the in-process server (expected: no --target)",
                run("load", "--target", "127.0.0.1:7461", "--model", "faceres").err().strip());
    }

    @Test
    void loadTargetMustMatchTheTransport() {
        Outcome o = run("load", "--transport", "tcp", "--target", "http://127.0.0.1:7462");
        assertEquals(1, o.status());
        assertEquals("vigil bench: --target: http://127.0.0.1:7462 (expected: host:port for --transport tcp)", o.err().strip());
    }

    @Test
    void loadRefusesBadNumbers() {
        assertEquals("vigil bench: --rate: 0.0 (expected: > 0 requests/s)", run("load", "--rate", "0").err().strip());
        assertEquals("vigil bench: --clients: 0 (expected: >= 1)", run("load", "--clients", "0").err().strip());
        assertEquals("vigil bench: sweep: 10:5:1 (expected: 0 < FROM <= TO)", run("load", "--sweep", "10:5:1").err().strip());
        assertEquals("vigil bench: --timeout: 90.0 (expected: > 0 and <= 60)", run("load", "--timeout", "90").err().strip());
        assertEquals("vigil bench: --clients: 5000 (expected: <= 4096 over the binary protocol, the client's 64 connections of 64 requests)",
                run("load", "--clients", "5000").err().strip());
    }
}
