package dev.vigil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
