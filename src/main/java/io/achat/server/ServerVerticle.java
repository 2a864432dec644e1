package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.config.ChatConfig;
import io.achat.protocol.Utf8;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The book's {@code accept_loop}: connections on one event loop, each served by a
 * {@link Connection}. Deployed {@code instances} times. The first one owns the listening socket,
 * which hands new connections to all of them in turn ({@link AcceptLoops}), and runs on the
 * broker's own event loop, so the lines it reads reach the broker and the broker's writes reach
 * its sockets without crossing threads; each further one has an event loop of its own.
 *
 * <p>Connections are Netty channels on Vert.x's event loops rather than {@code NetSocket}s: a
 * {@code NetSocket} in Vert.x 5.0 allocates a 1024-slot write queue when it is created, which
 * alone would be most of an idle connection's memory.
 */
public final class ServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);

  private final ChatConfig config;
  private final ConnectionSlots slots;
  private final AcceptLoops loops;
  private final EventLoop sharedLoop;
  private final boolean listens;
  private final Utf8 utf8 = new Utf8();
  private byte[] scratch = new byte[256];
  // Every connection of this instance runs on the listening context's event loop, so these need no locks.
  private final Set<Connection> connections = new HashSet<>();
  private ContextInternal listening;
  private Channel acceptor;
  private SslContext tls;
  private boolean stopping;

  /**
   * @param loops the accept loops of this node, which this one joins
   * @param sharedLoop the event loop to run the connections on, or {@code null} for this
   *   verticle's own
   * @param listens whether this one opens the listening socket (exactly one of a node's do)
   */
  public ServerVerticle(ChatConfig config, ConnectionSlots slots, AcceptLoops loops, EventLoop sharedLoop,
                        boolean listens) {
    this.config = config;
    this.slots = slots;
    this.loops = loops;
    this.sharedLoop = sharedLoop;
    this.listens = listens;
  }

  @Override
  public Future<?> start() throws Exception {
    ContextInternal own = (ContextInternal) context;
    listening = sharedLoop == null ? own : ((VertxInternal) vertx).contextBuilder()
      .withEventLoop(sharedLoop)
      .withCloseFuture(own.closeFuture())
      .withClassLoader(own.classLoader())
      .build();
    if (config.tls()) {
      tls = tlsContext();
    }
    loops.join(this, listening.nettyEventLoop());
    return listens ? listen() : Future.succeededFuture();
  }

  private Future<Void> listen() {
    VertxInternal internal = (VertxInternal) vertx;
    ServerBootstrap bootstrap = new ServerBootstrap()
      .group(internal.acceptorEventLoopGroup(), loops.group())
      .channelFactory(internal.transport().serverChannelFactory(false))
      .option(ChannelOption.SO_BACKLOG, 1024)
      .childOption(ChannelOption.TCP_NODELAY, true)
      .childOption(ChannelOption.SO_KEEPALIVE, config.keepAliveIdleSeconds() > 0)
      // A client that shuts down its sending side still gets the answers to its last lines.
      .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
      .childHandler(new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
          loops.serverOn(channel.eventLoop()).accept(channel);
        }
      });
    Promise<Void> bound = listening.promise();
    int port = config.port();
    ChannelFuture bind = bootstrap.bind(config.host(), port);
    bind.addListener(f -> {
      if (f.isSuccess()) {
        acceptor = bind.channel();
        // After Netty's acceptor, which the bootstrap added before binding.
        acceptor.pipeline().addLast("accept-failures", new AcceptFailureLog());
        bound.complete();
      } else {
        bound.fail(new IllegalStateException("cannot listen on " + config.host() + ":" + port
          + " ('host', 'port'): " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future();
  }

  /** The server's key and certificate, read with Vert.x's PEM support (PKCS#1 and PKCS#8 keys). */
  private SslContext tlsContext() {
    try {
      return SslContextBuilder.forServer(new PemKeyCertOptions()
          .setCertPath(config.tlsCertPath())
          .setKeyPath(config.tlsKeyPath())
          .getKeyManagerFactory(vertx))
        .build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the TLS key or certificate ('tlsCertPath', 'tlsKeyPath'): "
        + e.getMessage(), e);
    }
  }

  /** The address the listening accept loop listens on, with the real port. */
  public SocketAddress localAddress() {
    InetSocketAddress address = (InetSocketAddress) acceptor.localAddress();
    return SocketAddress.inetSocketAddress(address.getPort(), config.host());
  }

  private void accept(Channel channel) {
    if (tls != null) {
      channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
    }
    if (config.keepAliveIdleSeconds() > 0) {
      Sockets.keepAlive(channel, config.keepAliveIdleSeconds());
    }
    channel.pipeline().addLast("chat", new Connection(this, channel));
  }

  boolean stopping() {
    return stopping;
  }

  /** Called by a new connection once it is active: whether there is room for it. */
  boolean admit(Connection connection) {
    if (!slots.tryAcquire()) {
      return false;
    }
    connections.add(connection);
    return true;
  }

  /**
   * The book's clean shutdown: stop accepting and reading, let the broker route every line
   * already read (it answers once all accept loops got here), then close each socket after what
   * is queued for it has been written, all bounded by {@code drainTimeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    Promise<Void> stopped = Promise.promise();
    listening.runOnContext(v -> drainAndClose().onComplete(stopped));
    return stopped.future();
  }

  private Future<Void> drainAndClose() {
    stopping = true;
    if (acceptor != null) {
      acceptor.close();
    }
    connections.forEach(Connection::stopReading);
    DeliveryOptions drain = new DeliveryOptions(LocalCodec.LOCAL)
      .setSendTimeout(Math.max(1, config.drainTimeoutMillis()));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.drainTimeoutMillis());
    return eventBus().request(BrokerVerticle.ADDRESS, new Event.Drain(), drain)
      .onFailure(e -> log.warn("the broker did not confirm the drain: {}", e.getMessage()))
      .transform(ar -> closeAll(Math.max(0, deadline - System.nanoTime())));
  }

  /** Closes every connection once its queued lines are written; aborts those still open at the deadline. */
  private Future<Void> closeAll(long nanosLeft) {
    List<Connection> open = new ArrayList<>(connections);
    if (open.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = listening.promise();
    int[] left = {open.size()};
    var timeout = listening.nettyEventLoop().schedule(
      () -> new ArrayList<>(connections).forEach(Connection::abort), nanosLeft, TimeUnit.NANOSECONDS);
    for (Connection connection : open) {
      connection.close().addListener(f -> {
        if (--left[0] == 0) {
          timeout.cancel(false);
          done.complete();
        }
      });
    }
    return done.future();
  }

  ChatConfig chatConfig() {
    return config;
  }

  EventBus eventBus() {
    return vertx.eventBus();
  }

  ContextInternal context() {
    return listening;
  }

  Utf8 utf8() {
    return utf8;
  }

  /** A buffer of at least {@code n} bytes for this accept loop's thread to decode a line in. */
  byte[] scratch(int n) {
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, 2 * scratch.length)];
    }
    return scratch;
  }

  void closed(Connection connection) {
    if (connections.remove(connection)) {
      slots.release();
    }
  }
}
