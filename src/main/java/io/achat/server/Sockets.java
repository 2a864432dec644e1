package io.achat.server;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import jdk.net.ExtendedSocketOptions;

/** The two socket operations Vert.x's public API does not offer. */
public final class Sockets {

  /** Dead-peer probes: after the idle time, every 15 s at most, 4 unanswered ones close the socket. */
  private static final int KEEP_ALIVE_PROBES = 4;

  private Sockets() {
  }

  /**
   * Closes now, dropping whatever is still queued. {@link NetSocket#close()} first waits for
   * queued writes to leave, which never happens with a client that does not read; closing below
   * Vert.x's handler is what Vert.x's own idle timeout does.
   */
  public static void abort(NetSocket socket) {
    ((NetSocketInternal) socket).channelHandlerContext().close();
  }

  /**
   * Starts TCP keep-alive probes after {@code idleSeconds} without traffic rather than the
   * kernel's default two hours. A no-op on transports without these options.
   */
  static void keepAlive(NetSocket socket, int idleSeconds) {
    Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
    channel.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idleSeconds);
    channel.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), Math.min(idleSeconds, 15));
    channel.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), KEEP_ALIVE_PROBES);
  }
}
