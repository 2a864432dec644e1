package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Delivery;
import io.achat.broker.Event;
import io.achat.broker.EventCodec;
import io.achat.config.BusAddresses;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.achat.ops.LoopWatch;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The book's {@code accept_loop}: a {@link NetServer} whose connections each get a
 * {@link Connection}, each taking its place from the {@link Doorkeeper} as it is accepted; with
 * {@code webPort}, also a {@link WebPort} that serves the web page and takes WebSocket clients at
 * {@value #WEB_SOCKET_PATH} into the same chat. Deploy it
 * {@code instances} times: Vert.x shares each port between the instances and hands each new
 * connection to the next. It needs a {@link BrokerVerticle} in the same Vert.x instance and takes
 * its configuration from the deployment config.
 *
 * <p>All of an instance's connections run on its event loop, so its state needs no locks. The
 * events they produce in one turn of that loop go to the broker as one message; the broker's
 * answers come back to this instance's own address.
 */
public final class ServerVerticle extends VerticleBase {

  /** Where WebSocket clients connect on {@code webPort}. */
  public static final String WEB_SOCKET_PATH = "/ws";

  private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);
  /**
   * How long past the drain deadline the accept loop's stop waits, so that clients given up on
   * are logged before the loop is gone.
   */
  private static final long CLOSE_MARGIN_MILLIS = 250;
  /** The heartbeat's period where the kernel lets go of stalled clients: it only ends log windows and tidies. */
  private static final long TIDY_MILLIS = 1000;

  private ChatConfig config;
  private NetServer server;
  /** The web page and the WebSocket door, when webPort is set. */
  private WebPort web;
  private ChatMetrics metrics;
  private LoopConnections connections;
  private final LoopLogs logs = LoopLogs.to(log);
  /** What this loop's connections need of it. */
  private ConnectionContext connectionContext;
  private boolean stopping;
  private ClientMemory memory;
  /** How a client that takes nothing is let go. */
  private Stalls stalls;
  private long heartbeatTimer = -1;
  /** The heartbeat's period, and when it last ran (System.nanoTime). */
  private long heartbeatNanos;
  private long lastHeartbeat;
  private long pingTimer = -1;

  @Override
  public Future<?> start() {
    EventCodec.registerAll(vertx);
    metrics = ChatMetrics.of(vertx);
    connections = new LoopConnections(vertx);
    String inbox = BusAddresses.loop(UUID.randomUUID().toString());
    return ChatConfig.of(vertx, config())
      .compose(loaded -> {
        config = loaded;
        return config.accounts() ? Accounts.load(vertx, config, metrics) : Future.succeededFuture(null);
      })
      .compose(accounts -> {
        memory = ClientMemory.of(vertx);
        memory.loopStarted();
        memory.meter(metrics, config.maxClientMemory());
        connectionContext = new ConnectionContext(vertx, config, metrics, accounts,
          new Doorkeeper(vertx, config, metrics, logs.refusals()), logs, new LineDecoder(),
          new BrokerOutbox(vertx, context), inbox,
          new MemoryBudget(vertx, context, config.maxClientMemory(), memory, connections), connections);
        LoopWatch.of(vertx).watch("an accept loop", context);
        stalls = Stalls.of(vertx);
        long period = stalls == Stalls.CLOCK ? Math.max(50, config.stallTimeoutMillis() / Output.HEARTBEATS_PER_STALL)
          : TIDY_MILLIS;
        heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(period);
        lastHeartbeat = System.nanoTime();
        heartbeatTimer = vertx.setPeriodic(period, t -> heartbeat());
        if (config.web()) {
          pingTimer = vertx.setPeriodic(config.webSocketTimeoutMillis() / 3,
            t -> connections.live().forEach(Connection::ping));
        }
        return Future.all(
          vertx.eventBus().<Delivery>localConsumer(inbox, message -> connections.deliver(message.body())).completion(),
          vertx.eventBus().localConsumer(BusAddresses.MEMORY_OVER,
            message -> connectionContext.memory().evictIfOver(false)).completion());
      })
      .compose(v -> vertx.eventBus().request(BusAddresses.BROKER, new Event.LoopStarted(inbox), BusAddresses.LOCAL)
        .recover(e -> Future.failedFuture(new IllegalStateException(
          "no a-chat broker in this Vert.x instance: deploy " + BrokerVerticle.class.getName() + " first", e))))
      // A loop that cannot listen is done: the broker need not wait for it to drain.
      .compose(v -> listen().onFailure(e -> vertx.eventBus().send(BusAddresses.BROKER, new Event.Drain(inbox),
        BusAddresses.LOCAL)));
  }

  private Future<?> listen() {
    // A client that takes none of what is queued for it for stallTimeoutMillis is let go (Stalls).
    NetServerOptions options = stalls.apply(new NetServerOptions(), config.stallTimeoutMillis())
      .setTcpNoDelay(true)
      .setTcpKeepAlive(config.tcpKeepAlive())
      .setAcceptBacklog(1024)
      // Each connection starts with the proxy's PROXY header, which names the client (HAProxy, nginx stream, ELB).
      .setUseProxyProtocol(config.proxyProtocol())
      .setProxyProtocolTimeout(config.requestTimeoutMillis())
      .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    // A TLS handshake is not seen here until it has finished: its own timeout bounds it.
    server = vertx.createNetServer(config.servingTls(options))
      .connectHandler(this::accept)
      .exceptionHandler(e -> failedBeforeAccepted(e));
    // Port 0 is never shared between instances; a negative port is one OS-chosen port they all share.
    return server.listen(config.port() == 0 ? -1 : config.port(), config.host())
      .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.host() + ":"
        + config.port() + (config.tls() ? " with TLS ('host', 'port', 'tlsCertPath', 'tlsKeyPath'): " : " ('host', 'port'): ")
        + e.getMessage(), e)))
      .compose(s -> {
        if (!config.web()) {
          return Future.succeededFuture();
        }
        web = new WebPort(connectionContext, stalls, context, () -> stopping, this::accept);
        return web.listen();
      })
      .onSuccess(s -> vertx.eventBus().publish(BusAddresses.LISTENING, localAddress().toString(), BusAddresses.LOCAL));
  }

  static void failedBeforeAccepted(Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal; // to the context's exception handler: the server cannot go on
    }
    log.debug("a connection failed before it was accepted: {}", e.toString());
  }

  /** {@code http(s)://host:port/} of the web page, with the real port; {@code null} when webPort is 0. */
  public String webUrl() {
    return web == null ? null : web.url();
  }

  /** Where this accept loop listens, with the real port. */
  public SocketAddress localAddress() {
    return SocketAddress.inetSocketAddress(server.actualPort(), config.host());
  }

  private void accept(NetSocket socket) {
    Doorkeeper doorkeeper = connectionContext.doorkeeper();
    if (!doorkeeper.proxyTrusted(socket.remoteAddress(true), socket.remoteAddress()) || stopping) {
      socket.close();
      return;
    }
    TcpLink link = new TcpLink(socket, config.maxLineLength());
    Doorkeeper.Slot slot = doorkeeper.enter(new LinkDoor(link, socket, socket::closeHandler));
    if (slot != null) {
      accept(link, slot);
    }
  }

  /** A chat connection, TCP or WebSocket, admitted: from now on it waits for its login. */
  private void accept(Link link, Doorkeeper.Slot slot) {
    Connection connection = new Connection(connectionContext, link, connections.nextId(), slot);
    connections.add(connection);
    slot.evictBy(connection.loginStep()::evicted);
  }

  /**
   * Keeps the output of every connection that is not stuck moving, where an idle timer lets go of
   * stuck ones (see {@link Output}), and the log summaries coming. A heartbeat more than two
   * periods after the last one comes after a pause of the process: it counts as one period, and
   * every connection with nothing queued is kept at once.
   */
  private void heartbeat() {
    long now = System.nanoTime();
    boolean late = now - lastHeartbeat > 2 * heartbeatNanos;
    lastHeartbeat = now;
    if (stalls == Stalls.CLOCK) {
      for (Connection connection : connections.live()) {
        connection.heartbeat(late);
      }
    }
    connectionContext.doorkeeper().tidy();
    logs.tick();
  }

  /**
   * The book's clean shutdown: stop accepting and reading, let the broker route every line
   * already read (it answers once all accept loops got here), then close each socket after what
   * is queued for it has been written, all bounded by {@code drainTimeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    if (connectionContext.accounts() != null) {
      connectionContext.accounts().stop();
    }
    memory.loopStopped();
    long drainMillis = config.drainTimeoutMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    // Stops accepting now; completes once every connection is closed, or at the deadline. A
    // socket whose client takes nothing more is closed by its idle timer (stallTimeoutMillis).
    Future<Void> closed = Future.all(server.shutdown(drainMillis + CLOSE_MARGIN_MILLIS, TimeUnit.MILLISECONDS),
      web == null ? Future.succeededFuture() : web.shutdown(drainMillis + CLOSE_MARGIN_MILLIS))
      .mapEmpty();
    connections.all().forEach(Connection::stopReading);
    connectionContext.broker().flush();
    DeliveryOptions options = new DeliveryOptions(BusAddresses.LOCAL).setSendTimeout(Math.max(1, drainMillis));
    vertx.eventBus().request(BusAddresses.BROKER, new Event.Drain(connectionContext.inbox()), options)
      .onFailure(e -> log.warn("the broker did not confirm the drain: {}", e.getMessage()))
      .onComplete(ar -> {
        connections.all().forEach(Connection::close);
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        vertx.setTimer(left, t -> connections.all().forEach(Connection::tooLate));
      });
    return closed.onComplete(ar -> {
      LoopWatch.of(vertx).forget(context);
      vertx.cancelTimer(heartbeatTimer);
      vertx.cancelTimer(pingTimer);
    });
  }
}
