package io.achat.server;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;

/** Socket operations the broker and the accept loops share. */
public final class Sockets {

  /** Dead-peer probes: after the idle time, every 15 s at most, 4 unanswered ones close the socket. */
  private static final int KEEP_ALIVE_PROBES = 4;

  private Sockets() {
  }

  /** Closes now, dropping whatever is still queued: for a client that does not read. */
  public static void abort(Channel socket) {
    socket.close();
  }

  /**
   * Starts TCP keep-alive probes after {@code idleSeconds} without traffic rather than the
   * kernel's default two hours. A no-op on transports without these options.
   */
  static void keepAlive(Channel socket, int idleSeconds) {
    socket.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idleSeconds);
    socket.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), Math.min(idleSeconds, 15));
    socket.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), KEEP_ALIVE_PROBES);
  }
}
