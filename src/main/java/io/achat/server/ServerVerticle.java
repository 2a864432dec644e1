package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.config.ChatConfig;
import io.achat.protocol.Utf8;
import io.achat.protocol.Replies;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.impl.NetServerInternal;
import io.vertx.core.net.impl.SocketAddressImpl;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The book's {@code accept_loop}: a {@link NetServer} whose connections each get a
 * {@link Connection}. Deployed {@code instances} times; all share one port. The first one runs
 * its connections on the broker's own event loop, so the lines it reads reach the broker and the
 * broker's writes reach its sockets without crossing threads; each further one has an event loop
 * of its own.
 */
public final class ServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);

  private final ChatConfig config;
  private final ConnectionSlots slots;
  private final EventLoop sharedLoop;
  // Every connection of this instance runs on the listening context's event loop, so these need no locks.
  private final Set<Connection> connections = new HashSet<>();
  private ContextInternal listening;
  private final Utf8 utf8 = new Utf8();
  private NetServer server;
  private boolean stopping;

  /**
   * @param sharedLoop the event loop to run the connections on, or {@code null} for this
   *   verticle's own
   */
  public ServerVerticle(ChatConfig config, ConnectionSlots slots, EventLoop sharedLoop) {
    this.config = config;
    this.slots = slots;
    this.sharedLoop = sharedLoop;
  }

  @Override
  public Future<?> start() {
    NetServerOptions options = new NetServerOptions()
      .setTcpNoDelay(true)
      .setTcpKeepAlive(config.keepAliveIdleSeconds() > 0);
    if (config.tls()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(config.tlsCertPath())
        .setKeyPath(config.tlsKeyPath()));
    }
    server = vertx.createNetServer(options)
      .connectHandler(this::accept)
      .exceptionHandler(e -> log.debug("connection failed before it was accepted: {}", e.toString()));
    ContextInternal own = (ContextInternal) context;
    listening = sharedLoop == null ? own : ((VertxInternal) vertx).contextBuilder()
      .withEventLoop(sharedLoop)
      .withCloseFuture(own.closeFuture())
      .withClassLoader(own.classLoader())
      .build();
    // With port 0, Vert.x's port -1 binds one OS-chosen port that every instance shares.
    SocketAddress address = new SocketAddressImpl(config.port() == 0 ? -1 : config.port(), config.host());
    return ((NetServerInternal) server).listen(listening, address)
      .recover(e -> Future.failedFuture(new IllegalStateException(
        "cannot listen on " + config.host() + ":" + config.port() + " ('host', 'port'): " + e.getMessage(), e)));
  }

  /** The address this accept loop listens on, with the real port. */
  public SocketAddress localAddress() {
    return SocketAddress.inetSocketAddress(server.actualPort(), config.host());
  }

  private void accept(NetSocket socket) {
    if (stopping) {
      socket.close();
      return;
    }
    if (!slots.tryAcquire()) {
      log.info("{} refused: server full ({} connections)", socket.remoteAddress(), config.maxConnections());
      socket.write(Buffer.buffer(Replies.error("server full")));
      socket.close();
      return;
    }
    log.info("{} connected", socket.remoteAddress());
    if (config.keepAliveIdleSeconds() > 0) {
      Sockets.keepAlive(socket, config.keepAliveIdleSeconds());
    }
    connections.add(new Connection(this, socket));
  }

  /**
   * The book's clean shutdown: stop accepting and reading, let the broker route every line
   * already read (it answers once all accept loops got here), then close each socket after what
   * is queued for it has been written, all bounded by {@code drainTimeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    Promise<Void> stopped = Promise.promise();
    listening.runOnContext(v -> drainAndClose().<Void>mapEmpty().onComplete(stopped));
    return stopped.future();
  }

  private Future<?> drainAndClose() {
    stopping = true;
    connections.forEach(Connection::stopReading);
    Future<Void> closed = server.shutdown(config.drainTimeoutMillis(), TimeUnit.MILLISECONDS);
    DeliveryOptions drain = new DeliveryOptions(LocalCodec.LOCAL)
      .setSendTimeout(Math.max(1, config.drainTimeoutMillis()));
    return eventBus().request(BrokerVerticle.ADDRESS, new Event.Drain(), drain)
      .onFailure(e -> log.warn("the broker did not confirm the drain: {}", e.getMessage()))
      .transform(ar -> {
        new ArrayList<>(connections).forEach(Connection::close);
        return closed;
      })
      .andThen(ar -> new ArrayList<>(connections).forEach(Connection::abort));
  }

  ChatConfig chatConfig() {
    return config;
  }

  EventBus eventBus() {
    return vertx.eventBus();
  }

  Utf8 utf8() {
    return utf8;
  }

  Vertx vertx() {
    return vertx;
  }

  void closed(Connection connection) {
    connections.remove(connection);
    slots.release();
  }
}
