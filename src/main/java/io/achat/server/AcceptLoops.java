package io.achat.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.net.impl.VertxEventLoopGroup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event loops of one node's accept loops, shared by them as Vert.x shares a server between
 * verticle instances: the first accept loop owns the one listening socket and hands each new
 * connection to the next of these loops in turn; the accept loop running on that loop serves it.
 */
public final class AcceptLoops {

  private final VertxEventLoopGroup group = new VertxEventLoopGroup();
  private final Map<EventLoop, ServerVerticle> servers = new ConcurrentHashMap<>();

  /**
   * {@code server} takes the connections handed to {@code loop} from now on, unless an earlier
   * accept loop runs on the same event loop (more instances than event loops): that one serves
   * them, on the same thread.
   */
  void join(ServerVerticle server, EventLoop loop) {
    if (servers.putIfAbsent(loop, server) == null) {
      group.addWorker(loop);
    }
  }

  /** The loops new connections are registered with, in turn. */
  EventLoopGroup group() {
    return group;
  }

  /** The accept loop that serves connections on {@code loop}. */
  ServerVerticle serverOn(EventLoop loop) {
    return servers.get(loop);
  }
}
