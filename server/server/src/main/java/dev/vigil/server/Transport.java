package dev.vigil.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Which Netty transport carries the connections: Linux's native epoll where it loads, else the
 * JDK's NIO (both serve TCP and Unix domain sockets; NIO's Unix sockets need Java 16+).
 */
public enum Transport {
    /** Epoll when {@link Epoll#isAvailable()}, else NIO. */
    AUTO,
    /** The native epoll transport; refused where it cannot load. */
    EPOLL,
    /** The JDK's NIO transport. */
    NIO;

    /** This choice made concrete: EPOLL or NIO. Throws when EPOLL is asked for and unavailable. */
    public Transport resolve() {
        return switch (this) {
            case AUTO -> Epoll.isAvailable() ? EPOLL : NIO;
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport: epoll (unavailable: " + Epoll.unavailabilityCause() + ")");
                }
                yield EPOLL;
            }
            case NIO -> NIO;
        };
    }

    IoHandlerFactory ioHandlerFactory() {
        return resolve() == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    Class<? extends ServerChannel> tcpChannel() {
        return resolve() == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    Class<? extends ServerChannel> unixChannel() {
        return resolve() == EPOLL ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    SocketAddress unixAddress(Path path) {
        return resolve() == EPOLL ? new DomainSocketAddress(path.toFile()) : UnixDomainSocketAddress.of(path);
    }
}
