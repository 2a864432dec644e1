package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.config.ChatConfig;
import io.achat.protocol.Utf8;
import io.achat.protocol.Replies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.net.NetServer;
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
 * {@link Connection}. Deployed {@code instances} times, each on its own event loop; all share one port.
 */
public final class ServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);

  private final ChatConfig config;
  private final ConnectionSlots slots;
  // Every connection of this instance runs on this verticle's event loop, so these need no locks.
  private final Set<Connection> connections = new HashSet<>();
  private final Utf8 utf8 = new Utf8();
  private NetServer server;
  private boolean stopping;

  public ServerVerticle(ChatConfig config, ConnectionSlots slots) {
    this.config = config;
    this.slots = slots;
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
    // With port 0, Vert.x's port -1 binds one OS-chosen port that every instance shares.
    return server.listen(config.port() == 0 ? -1 : config.port(), config.host())
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
