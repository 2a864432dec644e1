package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Delivery;
import io.achat.broker.EndOfTurn;
import io.achat.broker.Event;
import io.achat.broker.EventCodec;
import io.achat.config.Addresses;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.achat.ops.LoopWatch;
import io.achat.ops.RateLimitedLog;
import io.achat.protocol.Replies;
import io.achat.protocol.Utf8;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
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
  /** Heartbeats in each stallTimeoutMillis where an idle timer lets go of stalled clients (see {@link Connection#heartbeat}). */
  static final int HEARTBEATS_PER_STALL = 6;
  /** The heartbeat's period where the kernel lets go of stalled clients: it only ends log windows and tidies. */
  private static final long TIDY_MILLIS = 1000;
  /** Lines of each kind about clients a loop logs at the most in {@link #LOG_WINDOW_MILLIS}. */
  private static final int LOG_LINES = 10;
  private static final long LOG_WINDOW_MILLIS = 10_000;

  private ChatConfig config;
  private String address;
  private NetServer server;
  /** The web page and the WebSocket door, when webPort is set. */
  private WebPort web;
  private ChatMetrics metrics;
  private Doorkeeper doorkeeper;
  private final Map<Long, Connection> connections = new HashMap<>();
  private long lastId;
  private List<Event> outbox = new ArrayList<>();
  private EndOfTurn endOfTurn;
  private boolean stopping;
  private final Utf8 utf8 = new Utf8();
  private byte[] scratch = new byte[256];
  private ClientMemory memory;
  private Accounts accounts;
  /** What this loop's connections hold, counted against maxClientMemory. */
  private long held;
  private boolean evictionScheduled;
  private long heartbeatTimer = -1;
  /** How a client that takes nothing is let go. */
  private Stalls stalls;
  /** The heartbeat's period, and when it last ran (System.nanoTime). */
  private long heartbeatNanos;
  private long lastHeartbeat;
  private long pingTimer = -1;
  private final RateLimitedLog refusals = new RateLimitedLog(log, "refusals", LOG_LINES, LOG_WINDOW_MILLIS, false);
  private final RateLimitedLog comings = new RateLimitedLog(log, "logins and leavings", LOG_LINES, LOG_WINDOW_MILLIS,
    false);
  private final RateLimitedLog cutOffs = new RateLimitedLog(log, "disconnections", LOG_LINES, LOG_WINDOW_MILLIS, true);

  @Override
  public Future<?> start() {
    EventCodec.registerAll(vertx);
    metrics = ChatMetrics.of(vertx);
    endOfTurn = new EndOfTurn(context, this::flush);
    address = Addresses.loop(UUID.randomUUID().toString());
    return ChatConfig.of(vertx, config())
      .compose(loaded -> {
        config = loaded;
        return config.accounts() ? Accounts.load(vertx, config, metrics).map(a -> accounts = a)
          : Future.succeededFuture();
      })
      .compose(v -> {
        doorkeeper = new Doorkeeper(vertx, config, metrics, refusals);
        memory = ClientMemory.of(vertx);
        memory.loopStarted();
        LoopWatch.of(vertx).watch("an accept loop", context);
        memory.meter(metrics, config.maxClientMemory());
        stalls = Stalls.of(vertx);
        long period = stalls == Stalls.CLOCK ? Math.max(50, config.stallTimeoutMillis() / HEARTBEATS_PER_STALL)
          : TIDY_MILLIS;
        heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(period);
        lastHeartbeat = System.nanoTime();
        heartbeatTimer = vertx.setPeriodic(period, t -> heartbeat());
        if (config.web()) {
          pingTimer = vertx.setPeriodic(config.webSocketTimeoutMillis() / 3,
            t -> connections.values().forEach(Connection::ping));
        }
        return Future.all(
          vertx.eventBus().<Delivery>localConsumer(address, message -> delivered(message.body())).completion(),
          vertx.eventBus().localConsumer(Addresses.MEMORY_OVER, message -> evictIfOver(false)).completion());
      })
      .compose(v -> vertx.eventBus().request(Addresses.BROKER, new Event.LoopStarted(address), Addresses.LOCAL)
        .recover(e -> Future.failedFuture(new IllegalStateException(
          "no a-chat broker in this Vert.x instance: deploy " + BrokerVerticle.class.getName() + " first", e))))
      // A loop that cannot listen is done: the broker need not wait for it to drain.
      .compose(v -> listen().onFailure(e -> vertx.eventBus().send(Addresses.BROKER, new Event.Drain(address),
        Addresses.LOCAL)));
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
        web = new WebPort(this);
        return web.listen();
      })
      .onSuccess(s -> vertx.eventBus().publish(Addresses.LISTENING, localAddress().toString(), Addresses.LOCAL));
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
    if (config.proxyProtocol() && !ClientAddress.fromTrustedProxy(socket.remoteAddress(true), config)) {
      refusals.info(log, "{} refused: a PROXY header from {}, which trustedProxies does not name", socket.remoteAddress(),
        socket.remoteAddress(true));
      metrics.refused(ChatMetrics.Refusal.PROXY);
      socket.close();
      return;
    }
    if (stopping) {
      socket.close();
      return;
    }
    TcpLink link = new TcpLink(socket, config.maxLineLength());
    Doorkeeper.Slot slot = doorkeeper.enter(new LinkDoor(link, socket, socket::closeHandler));
    if (slot == null) {
      return;
    }
    accept(link, slot);
  }

  /** A chat connection, TCP or WebSocket, admitted: from now on it waits for its login. */
  void accept(Link link, Doorkeeper.Slot slot) {
    long id = ++lastId;
    Connection connection = new Connection(this, link, id, slot);
    connections.put(id, connection);
    slot.evictBy(connection::evict);
  }

  Doorkeeper doorkeeper() {
    return doorkeeper;
  }

  /** How this loop's clients that take nothing are let go. */
  Stalls stalls() {
    return stalls;
  }

  /** A chat connection at its door, before it is a {@link Connection}: told why in a line when refused. */
  record LinkDoor(Link link, ReadStream<?> socket, Consumer<Handler<Void>> closeHandler) implements Doorkeeper.Door {

    @Override
    public SocketAddress client() {
      return link.remoteAddress();
    }

    @Override
    public void refuse(String reason) {
      link.write(Buffer.buffer(Replies.error(reason)));
      link.close();
    }

    @Override
    public void hold(Runnable closed) {
      socket.pause();
      closeHandler.accept(v -> closed.run());
    }
  }


  /** The broker's answers and lines for this loop's connections, in the order it produced them. */
  private void delivered(Delivery delivery) {
    for (Delivery.Part part : delivery.parts()) {
      Connection connection = connections.get(part.connection());
      if (connection == null) {
        continue;
      }
      if (part instanceof Delivery.Lines lines) {
        connection.write(lines.bytes());
      } else if (part instanceof Delivery.Routed routed) {
        connection.routed(routed.bytes());
      } else if (part instanceof Delivery.Joined joined) {
        connection.joined(joined.refusal());
      } else if (part instanceof Delivery.Released) {
        connection.released();
      } else if (part instanceof Delivery.Displaced) {
        connection.displaced();
      }
    }
  }

  /**
   * Queues {@code event} for the broker. The events of one turn of this event loop go together,
   * after every read of the turn, in the order they were produced.
   */
  void send(Event event) {
    outbox.add(event);
    endOfTurn.request();
  }

  private void flush() {
    if (outbox.isEmpty()) {
      return;
    }
    Event event = outbox.size() == 1 ? outbox.get(0) : new Event.Events(Collections.unmodifiableList(outbox));
    outbox = new ArrayList<>();
    vertx.eventBus().send(Addresses.BROKER, event, Addresses.LOCAL);
  }

  /**
   * A connection holds {@code bytes} more (fewer when negative) for its client. Past
   * maxClientMemory the largest holders are cut off, once the current task is done.
   */
  void hold(long bytes) {
    held += bytes;
    long total = memory.add(bytes);
    if (bytes > 0 && total > config.maxClientMemory() && !evictionScheduled) {
      evictionScheduled = true;
      context.runOnContext(v -> {
        evictionScheduled = false;
        evictIfOver(true);
      });
    }
  }

  /**
   * Redis's {@code maxmemory-clients}: while the node holds more than maxClientMemory for its
   * clients, the connections holding the most are cut off, largest first. Each accept loop sees
   * only its own connections: one holding more than its share (the budget over the number of
   * loops) cuts off its largest until it is back within it or the node within the budget; one
   * within its share tells the others ({@code tellOthers}), since the largest are theirs.
   */
  private void evictIfOver(boolean tellOthers) {
    long budget = config.maxClientMemory();
    long share = budget / memory.loops();
    if (memory.held() <= budget) {
      return;
    }
    if (held <= share) {
      if (tellOthers && memory.loops() > 1) {
        vertx.eventBus().publish(Addresses.MEMORY_OVER, null, Addresses.LOCAL);
      }
      return;
    }
    List<Connection> holders = new ArrayList<>();
    for (Connection connection : connections.values()) {
      if (connection.evictable() && connection.held() > 0) {
        holders.add(connection);
      }
    }
    holders.sort(Comparator.comparingLong(Connection::held).reversed());
    for (Connection connection : holders) {
      if (memory.held() <= budget || held <= share) {
        break;
      }
      connection.evictForMemory(budget);
    }
  }

  /**
   * Keeps the output of every connection that is not stuck moving, where an idle timer lets go of
   * stuck ones (see {@link Connection#heartbeat}), and the log summaries coming. A heartbeat more
   * than two periods after the last one comes after a pause of the process: it counts as one
   * period, and every connection with nothing queued is kept at once.
   */
  private void heartbeat() {
    long now = System.nanoTime();
    boolean late = now - lastHeartbeat > 2 * heartbeatNanos;
    lastHeartbeat = now;
    if (stalls == Stalls.CLOCK) {
      for (Connection connection : connections.values()) {
        connection.heartbeat(late);
      }
    }
    doorkeeper.tidy();
    refusals.tick();
    comings.tick();
    cutOffs.tick();
  }

  RateLimitedLog refusals() {
    return refusals;
  }

  RateLimitedLog comings() {
    return comings;
  }

  RateLimitedLog cutOffs() {
    return cutOffs;
  }


  /** A connection is done with: nothing more is delivered to it. */
  void forget(Connection connection) {
    connections.remove(connection.id());
  }

  /**
   * The book's clean shutdown: stop accepting and reading, let the broker route every line
   * already read (it answers once all accept loops got here), then close each socket after what
   * is queued for it has been written, all bounded by {@code drainTimeoutMillis}.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    if (accounts != null) {
      accounts.stop();
    }
    memory.loopStopped();
    long drainMillis = config.drainTimeoutMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    // Stops accepting now; completes once every connection is closed, or at the deadline. A
    // socket whose client takes nothing more is closed by its idle timer (stallTimeoutMillis).
    Future<Void> closed = Future.all(server.shutdown(drainMillis + CLOSE_MARGIN_MILLIS, TimeUnit.MILLISECONDS),
      web == null ? Future.succeededFuture() : web.shutdown(drainMillis + CLOSE_MARGIN_MILLIS))
      .mapEmpty();
    List<Connection> all = new ArrayList<>(connections.values());
    all.forEach(Connection::stopReading);
    flush();
    DeliveryOptions options = new DeliveryOptions(Addresses.LOCAL).setSendTimeout(Math.max(1, drainMillis));
    vertx.eventBus().request(Addresses.BROKER, new Event.Drain(address), options)
      .onFailure(e -> log.warn("the broker did not confirm the drain: {}", e.getMessage()))
      .onComplete(ar -> {
        new ArrayList<>(connections.values()).forEach(Connection::close);
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        vertx.setTimer(left, t -> new ArrayList<>(connections.values()).forEach(Connection::tooLate));
      });
    return closed.onComplete(ar -> {
      LoopWatch.of(vertx).forget(context);
      vertx.cancelTimer(heartbeatTimer);
      vertx.cancelTimer(pingTimer);
    });
  }

  Vertx vertx() {
    return vertx;
  }

  Context context() {
    return context;
  }

  /** Whether the loop is shutting down: it takes no new connection. */
  boolean stopping() {
    return stopping;
  }

  ChatConfig chatConfig() {
    return config;
  }

  /** The registered names, or null when {@code accountsFile} is not set. */
  Accounts accounts() {
    return accounts;
  }

  ChatMetrics metrics() {
    return metrics;
  }

  String address() {
    return address;
  }

  Utf8 utf8() {
    return utf8;
  }

  /** A buffer of at least {@code n} bytes for this loop's thread to decode a line in. */
  byte[] scratch(int n) {
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, 2 * scratch.length)];
    }
    return scratch;
  }
}
