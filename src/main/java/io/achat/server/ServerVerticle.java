package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Delivery;
import io.achat.broker.EndOfTurn;
import io.achat.broker.Event;
import io.achat.broker.EventCodec;
import io.achat.config.Addresses;
import io.achat.config.ChatConfig;
import io.achat.doors.HttpVisits;
import io.achat.ops.ChatMetrics;
import io.achat.ops.LoopWatch;
import io.achat.ops.RateLimitedLog;
import io.achat.protocol.Replies;
import io.achat.protocol.Utf8;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * {@link Connection}; with {@code webPort}, also an {@link HttpServer} that serves the web page
 * and takes WebSocket clients at {@value #WEB_SOCKET_PATH} into the same chat. Deploy it
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
  /** Heartbeats in each stallTimeoutMillis (see {@link Connection#heartbeat}). */
  static final int HEARTBEATS_PER_STALL = 6;
  /**
   * The one OS-chosen port the instances' web servers share when webPort is -1: Vert.x shares a
   * negative port among all servers of one Vert.x instance that ask for it, so not -1, which the
   * chat port's servers use.
   */
  private static final int ANY_WEB_PORT = -2;
  /** Lines of each kind about clients a loop logs at the most in {@link #LOG_WINDOW_MILLIS}. */
  private static final int LOG_LINES = 10;
  private static final long LOG_WINDOW_MILLIS = 10_000;

  private ChatConfig config;
  private String address;
  private NetServer server;
  private HttpServer web;
  private static final String X_FORWARDED_FOR = "X-Forwarded-For";

  private WebHosts hosts;
  /** Made once the web port listens (its number is part of the server's own origin). */
  private Origins origins;
  private ChatMetrics metrics;
  private Doorkeeper doorkeeper;
  /** The web port's connections before they are WebSockets, each with its slot. */
  private HttpVisits<Doorkeeper.Slot> visits;
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
        heartbeatTimer = vertx.setPeriodic(Math.max(50, config.stallTimeoutMillis() / HEARTBEATS_PER_STALL),
          t -> heartbeat());
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
    // A TCP connection that neither reads nor has anything written for stallTimeoutMillis is
    // closed by Vert.x's idle timer, which closes without flushing: the one way, on Vert.x 5.0's
    // public API, to let go of a client that does not take what is queued for it. The heartbeat
    // keeps the output of every other connection moving (see Connection#heartbeat).
    NetServerOptions options = new NetServerOptions()
      .setIdleTimeout((int) config.stallTimeoutMillis())
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
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
      .compose(s -> config.web() ? listenWeb() : Future.succeededFuture())
      .onSuccess(s -> vertx.eventBus().publish(Addresses.LISTENING, localAddress().toString(), Addresses.LOCAL));
  }

  /** The longest line the server sends, {@code from <login>: <text>\n}, with room to spare. */
  private int maxWebSocketFrame() {
    return config.maxLineLength() + 4 * config.maxLoginLength() + 64;
  }

  /** The web page and the WebSocket door, over TLS too when TLS is configured. */
  private Future<?> listenWeb() {
    hosts = WebHosts.of(config.webHosts(), config.host());
    HttpServerOptions options = new HttpServerOptions()
      // A WebSocket client answers the pings sent every third of this; one that does not is gone.
      // A WebSocket cannot be written nothing, so this is also how one that does not read is let go.
      .setReadIdleTimeout((int) config.webSocketTimeoutMillis())
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
      .setTcpNoDelay(true)
      .setTcpKeepAlive(config.tcpKeepAlive())
      .setAcceptBacklog(1024)
      .setCompressionSupported(false)
      // Chat lines are short: compression would cost each connection a compressor's memory.
      .setPerMessageWebSocketCompressionSupported(false)
      .setPerFrameWebSocketCompressionSupported(false)
      // Room for 'from <login>: ' before the longest line, so that no line the server sends is
      // split into fragments; a frame over maxLineLength from a client ends its connection.
      .setMaxWebSocketFrameSize(maxWebSocketFrame())
      // Without h2c, a connection is seen as soon as it is accepted, not at its first bytes.
      .setHttp2ClearTextEnabled(false);
    config.servingTls(options);
    visits = new HttpVisits<>(vertx, config.requestTimeoutMillis(), config.keepAliveTimeoutMillis(), visit -> {
      refusals.info(log, "{} closed: no whole request within {} ms (requestTimeoutMillis)",
        visit.connection().remoteAddress(), config.requestTimeoutMillis());
      metrics.refused(ChatMetrics.Refusal.REQUEST_TIMEOUT);
    });
    return WebPages.load(vertx, config.maxLineLength()).compose(pages -> {
      web = vertx.createHttpServer(options)
        .connectionHandler(this::acceptWeb)
        .requestHandler(request -> {
          if (visits.request(request) == null) {
            return; // a connection being refused: it is closed unanswered
          }
          if (servesHost(request.headers().get(HttpHeaders.HOST), request.remoteAddress())) {
            pages.handle(request);
          } else {
            request.response().setStatusCode(421).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
              .end("This a-chat server does not answer to the host name in the address: its operator"
                + " can add it to webHosts (ACHAT_WEB_HOSTS).\n");
          }
        })
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(this::acceptWebSocket)
        .exceptionHandler(e -> failedBeforeAccepted(e));
      return web.listen(config.webPort() < 0 ? ANY_WEB_PORT : config.webPort(), config.host())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.host() + ":"
          + config.webPort() + " for the web page ('host', 'webPort'): " + e.getMessage(), e)))
        .onSuccess(listening -> origins = new Origins(config.webOrigins(), hosts, config.tls() ? "https" : "http",
          listening.actualPort()));
    });
  }

  private static void failedBeforeAccepted(Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal; // to the context's exception handler: the server cannot go on
    }
    log.debug("a connection failed before it was accepted: {}", e.toString());
  }

  /** Where this accept loop listens, with the real port. */
  public SocketAddress localAddress() {
    return SocketAddress.inetSocketAddress(server.actualPort(), config.host());
  }

  /** {@code http(s)://host:port/} of the web page, with the real port; {@code null} when webPort is 0. */
  public String webUrl() {
    return web == null ? null : config.url(config.tls() ? "https" : "http", web.actualPort()) + "/";
  }

  /**
   * Whether the web port answers a request for {@code host} (its {@code Host} header): one of
   * {@code webHosts}, so that a name made to point here (DNS rebinding) reaches nothing.
   */
  private boolean servesHost(String host, SocketAddress from) {
    if (hosts.allows(host)) {
      return true;
    }
    refusals.info(log, "{} refused: a web request for host {}, which webHosts does not name", from,
      host == null ? "(none)" : host.length() > 100 ? host.substring(0, 100) + "..." : host);
    metrics.refused(ChatMetrics.Refusal.HOST);
    return false;
  }

  /** Only {@value #WEB_SOCKET_PATH}, only for a host of {@code webHosts}, only from the pages {@code webOrigins} allows. */
  private void handshake(ServerWebSocketHandshake handshake) {
    HttpVisits<Doorkeeper.Slot>.Visit visit = visits.of(handshake.remoteAddress());
    if (visit == null) {
      return; // a connection being refused: it is closed unanswered
    }
    visit.started();
    int rejected = admits(handshake);
    if (rejected == 0) {
      handshake.accept();
      return;
    }
    handshake.reject(rejected).onComplete(ar -> visit.answered());
  }

  /** 0 when the handshake may become a WebSocket, else the status it is rejected with. */
  private int admits(ServerWebSocketHandshake handshake) {
    if (!WEB_SOCKET_PATH.equals(handshake.path())) {
      return 404;
    }
    if (!servesHost(handshake.headers().get(HttpHeaders.HOST), handshake.remoteAddress()) || origins == null) {
      return 421;
    }
    String origin = handshake.headers().get(HttpHeaders.ORIGIN);
    if (!origins.allows(origin, handshake.headers().get(HttpHeaders.HOST))) {
      refusals.info(log, "{} refused: a WebSocket from a page at {}, which webOrigins does not allow",
        handshake.remoteAddress(), origin);
      metrics.refused(ChatMetrics.Refusal.ORIGIN);
      return 403;
    }
    return 0;
  }

  /**
   * A connection to the web port, as soon as it is accepted: it takes a slot like a chat
   * connection. From a trusted proxy, it counts under the client's address only once a WebSocket
   * names it ({@code X-Forwarded-For}); a page request through the proxy is the proxy's to limit.
   */
  private void acceptWeb(HttpConnection connection) {
    if (stopping) {
      connection.close();
      return;
    }
    WebDoor door = new WebDoor(connection);
    Doorkeeper.Slot slot = fromTrustedProxy(connection.remoteAddress()) ? doorkeeper.enterUncounted(door)
      : doorkeeper.enter(door);
    if (slot != null) {
      HttpVisits<Doorkeeper.Slot>.Visit visit = visits.opened(connection, slot, () -> doorkeeper.release(slot));
      slot.evictBy(() -> {
        refusals.info(log, "{} closed: server full, and it was not a logged-in user", connection.remoteAddress());
        metrics.refused(ChatMetrics.Refusal.EVICTED);
        visit.close();
      });
    }
  }

  private void acceptWebSocket(ServerWebSocket socket) {
    HttpVisits<Doorkeeper.Slot>.Visit visit = visits.of(socket.remoteAddress());
    if (visit == null) {
      socket.close(); // its connection was closed meanwhile
      return;
    }
    visit.upgraded();
    Doorkeeper.Slot slot = visit.attachment();
    SocketAddress client = ClientAddress.of(socket.remoteAddress(), socket.headers().getAll(X_FORWARDED_FOR), config);
    WebSocketLink link = new WebSocketLink(socket, context, config.maxLineLength(), maxWebSocketFrame(), client);
    if (socket.isClosed()) {
      doorkeeper.release(slot);
    } else if (!(client instanceof ClientAddress.Forwarded) || doorkeeper.forwarded(slot,
      new LinkDoor(link, socket, closed -> socket.closeHandler(v -> closed.run())))) {
      accept(link, slot);
    }
  }

  private void accept(NetSocket socket) {
    if (config.proxyProtocol() && !fromTrustedProxy(socket.remoteAddress(true))) {
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
    Doorkeeper.Slot slot = doorkeeper.enter(new LinkDoor(link, socket, closed -> socket.closeHandler(v -> closed.run())));
    if (slot == null) {
      return;
    }
    accept(link, slot);
  }

  private boolean fromTrustedProxy(SocketAddress peer) {
    try {
      return peer != null && peer.hostAddress() != null
        && config.trustsProxy(InetAddress.getByName(peer.hostAddress())); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** A chat connection, TCP or WebSocket, admitted: from now on it waits for its login. */
  private void accept(Link link, Doorkeeper.Slot slot) {
    long id = ++lastId;
    Connection connection = new Connection(this, link, id, slot);
    connections.put(id, connection);
    slot.evictBy(connection::evict);
  }

  Doorkeeper doorkeeper() {
    return doorkeeper;
  }

  /** A chat connection at its door, before it is a {@link Connection}: told why in a line when refused. */
  private record LinkDoor(Link link, ReadStream<?> socket, Consumer<Runnable> onClose) implements Doorkeeper.Door {

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
      onClose.accept(closed);
    }
  }

  /** A connection to the web port before any request: an HTTP connection cannot be told why, only closed. */
  private record WebDoor(HttpConnection connection) implements Doorkeeper.Door {

    @Override
    public SocketAddress client() {
      return connection.remoteAddress();
    }

    @Override
    public void refuse(String reason) {
      connection.close();
    }

    @Override
    public void hold(Runnable closed) {
      connection.closeHandler(v -> closed.run());
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

  /** Keeps every connection's output moving (see {@link Connection#heartbeat}), and the log summaries coming. */
  private void heartbeat() {
    for (Connection connection : connections.values()) {
      connection.heartbeat();
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
      web == null ? Future.succeededFuture() : web.shutdown(drainMillis + CLOSE_MARGIN_MILLIS, TimeUnit.MILLISECONDS))
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
