package dev.vigil.cli;

import java.util.function.Consumer;

/**
 * The process signals {@code vigil serve} answers, through the JDK's {@code sun.misc.Signal}
 * (module jdk.unsupported): TERM and INT stop gracefully (the handler runs the drain, so the
 * exit code is the drain's, not 143), HUP reloads. Handlers run on a thread of the JVM's own;
 * each returns at once and does its work on a thread of its own, so a second signal is heard.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code stop} (with the signal's name) on the first TERM or INT; later ones are logged by the stop in progress. */
    static void onStop(Consumer<String> stop) {
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                if (once.compareAndSet(false, true)) {
                    Thread t = new Thread(() -> stop.accept(signal.getName()), "vigil-stop");
                    t.start();
                }
            });
        }
    }

    /** Runs {@code reload} on every HUP, one at a time. */
    static void onReload(Runnable reload) {
        Object lock = new Object();
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
            Thread t = new Thread(() -> {
                synchronized (lock) {
                    reload.run();
                }
            }, "vigil-reload");
            t.start();
        });
    }
}
