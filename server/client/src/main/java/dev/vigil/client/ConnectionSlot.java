package dev.vigil.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * One place in the client's connection pool: holds at most one connection that takes new
 * requests, opens it on first demand, and opens a new one when it drops (after a short jittered
 * pause) or when the server sends GOAWAY (at once; the old one finishes what it has in flight).
 * After a failed attempt the next one waits for the reconnect back-off, which grows with each
 * consecutive failure and resets on HELLO_OK.
 *
 * <p>Owned by {@link VigilClient}, which closes it. Thread-safe: state is guarded by {@code this};
 * futures are completed outside the lock.
 */
final class ConnectionSlot {
    private final VigilClient client;
    private final Backoff reconnectBackoff;

    private ClientConnection current;
    private CompletableFuture<ClientConnection> pending;
    private int failures;
    private long notBeforeNanos;
    private boolean closed;
    /** Every connection not yet ended, draining ones included, so that close() reaches all. */
    private final Set<ClientConnection> open = new HashSet<>();

    ConnectionSlot(VigilClient client, Backoff reconnectBackoff) {
        this.client = client;
        this.reconnectBackoff = reconnectBackoff;
        this.notBeforeNanos = System.nanoTime();
    }

    /** The connection taking requests with room for one more, or null. */
    synchronized ClientConnection readyWithCapacity() {
        return current != null && current.acceptsRequests() && current.hasCapacity() ? current : null;
    }

    /** True when this slot has no connection, is opening none, and may open one now: it has not been used yet, or was idle when its connection dropped. */
    synchronized boolean idle() {
        return current == null && pending == null && System.nanoTime() - notBeforeNanos >= 0;
    }

    /**
     * The connection to send on: at once when there is one, else when the connection being
     * opened (now, or once the back-off allows) has said HELLO_OK. Fails with an
     * {@link AttemptFailure} when that connection cannot be made.
     */
    CompletableFuture<ClientConnection> acquire() {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new AttemptFailure(ErrorCode.CLIENT_CLOSED, false, "client closed"));
            }
            if (current != null && current.acceptsRequests()) {
                return CompletableFuture.completedFuture(current);
            }
            if (pending == null) {
                openLater(Math.max(0, notBeforeNanos - System.nanoTime()));
            }
            return pending;
        }
    }

    /** Called by the connection on HELLO_OK. */
    void ready(ClientConnection connection) {
        boolean keep;
        synchronized (this) {
            keep = !closed;
            if (keep) {
                current = connection;
                failures = 0;
                if (pending == connection.ready()) {
                    pending = null;
                }
            }
        }
        if (keep) {
            connection.ready().complete(connection);
        } else {
            connection.close();
            connection.ready().completeExceptionally(new AttemptFailure(ErrorCode.CLIENT_CLOSED, false, "client closed"));
        }
    }

    /** Called when a connection ends, or fails to connect, before HELLO_OK. */
    void connectFailed(ClientConnection connection, ErrorCode code, boolean retryable, String message) {
        synchronized (this) {
            open.remove(connection);
            if (connection.ready().isDone()) {
                return;
            }
            failures++;
            notBeforeNanos = System.nanoTime() + reconnectBackoff.delayNanos(failures);
            if (pending == connection.ready()) {
                pending = null;
            }
        }
        connection.ready().completeExceptionally(new AttemptFailure(code, retryable, message));
    }

    /** Called when a connection that had said HELLO_OK ends. */
    void closed(ClientConnection connection) {
        synchronized (this) {
            open.remove(connection);
            if (current == connection) {
                current = null;
                if (!closed && pending == null) {
                    openLater(reconnectBackoff.delayNanos(1));
                }
            }
        }
    }

    /** Called on GOAWAY: new requests go to a new connection, opened now. */
    void goAway(ClientConnection connection) {
        synchronized (this) {
            if (current == connection) {
                current = null;
                if (!closed && pending == null) {
                    openLater(0);
                }
            }
        }
    }

    void close() {
        List<ClientConnection> toClose;
        CompletableFuture<ClientConnection> waiting;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(open);
            waiting = pending;
            pending = null;
            current = null;
        }
        for (ClientConnection connection : toClose) {
            connection.close();
        }
        if (waiting != null) {
            waiting.completeExceptionally(new AttemptFailure(ErrorCode.CLIENT_CLOSED, false, "client closed"));
        }
    }

    /** Holds the lock. Sets {@link #pending} to the future of a connection opened after {@code delayNanos}. */
    private void openLater(long delayNanos) {
        CompletableFuture<ClientConnection> ready = new CompletableFuture<>();
        pending = ready;
        try {
            client.schedule(() -> open(ready), delayNanos);
        } catch (RejectedExecutionException e) {
            pending = null;
            ready.completeExceptionally(new AttemptFailure(ErrorCode.CLIENT_CLOSED, false, "client closed"));
        }
    }

    private void open(CompletableFuture<ClientConnection> ready) {
        ClientConnection connection = null;
        synchronized (this) {
            if (!closed) {
                connection = client.newConnection(this, ready);
                open.add(connection);
            }
        }
        if (connection == null) {
            ready.completeExceptionally(new AttemptFailure(ErrorCode.CLIENT_CLOSED, false, "client closed"));
            return;
        }
        ClientConnection opened = connection;
        client.connect(opened).addListener(f -> {
            if (!f.isSuccess()) {
                connectFailed(opened, ErrorCode.CONNECTION_FAILED, true,
                        "connect to " + client.addressText() + ": " + f.cause().getMessage());
            }
        });
    }
}
