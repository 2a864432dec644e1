package io.achat.server;

import io.achat.config.ChatConfig;
import io.achat.doors.HttpVisits;
import io.achat.ops.ChatMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * An accept loop's web port ({@code webPort}): the page, and the WebSocket door at
 * {@value ServerVerticle#WEB_SOCKET_PATH} into the same chat. Each connection takes its place from
 * the {@link Doorkeeper} as it is accepted, before any request, and is timed by {@link HttpVisits}
 * until it becomes a WebSocket, which is then a chat connection like a TCP one. Used on its accept
 * loop's context.
 */
final class WebPort {

  private static final Logger log = LoggerFactory.getLogger(WebPort.class);
  /**
   * The one OS-chosen port the instances' web servers share when webPort is -1: Vert.x shares a
   * negative port among all servers of one Vert.x instance that ask for it, so not -1, which the
   * chat port's servers use.
   */
  private static final int ANY_WEB_PORT = -2;
  private static final String X_FORWARDED_FOR = "X-Forwarded-For";

  private final ConnectionContext context;
  private final Stalls stalls;
  private final Context eventLoop;
  private final BooleanSupplier stopping;
  private final BiConsumer<Link, Doorkeeper.Slot> accept;
  private final Vertx vertx;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final WebHosts hosts;
  /** Made once the web port listens (its number is part of the server's own origin). */
  private Origins origins;
  /** The connections before they are WebSockets, each with its place. */
  private HttpVisits<Doorkeeper.Slot> visits;
  private HttpServer web;

  /**
   * The web door of an accept loop: its connections' needs, how stalled clients are let go, the
   * loop itself, whether it is shutting down, and where an admitted WebSocket goes.
   */
  WebPort(ConnectionContext context, Stalls stalls, Context eventLoop, BooleanSupplier stopping,
          BiConsumer<Link, Doorkeeper.Slot> accept) {
    this.context = context;
    this.stalls = stalls;
    this.eventLoop = eventLoop;
    this.stopping = stopping;
    this.accept = accept;
    this.vertx = context.vertx();
    this.config = context.config();
    this.metrics = context.metrics();
    this.hosts = WebHosts.of(config.webHosts(), config.host());
  }

  /** Stops accepting; completes once every connection has closed, or after {@code millis}. */
  Future<Void> shutdown(long millis) {
    return web == null ? Future.succeededFuture() : web.shutdown(millis, TimeUnit.MILLISECONDS);
  }

  /** The longest line the server sends, {@code from <login>: <text>\n}, with room to spare. */
  private int maxWebSocketFrame() {
    return config.maxLineLength() + 4 * config.maxLoginLength() + 64;
  }

  /** The web page and the WebSocket door, over TLS too when TLS is configured. */
  Future<?> listen() {
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
    // As on the chat port, where the kernel does it: a client that takes nothing is let go sooner.
    stalls.kernelOnly(options, config.stallTimeoutMillis());
    config.servingTls(options);
    visits = new HttpVisits<>(vertx, config.requestTimeoutMillis(), config.keepAliveTimeoutMillis(), visit -> {
      context.logs().refusals().info(log, "{} closed: no whole request within {} ms (requestTimeoutMillis)",
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
        .exceptionHandler(ServerVerticle::failedBeforeAccepted);
      return web.listen(config.webPort() < 0 ? ANY_WEB_PORT : config.webPort(), config.host())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + config.host() + ":"
          + config.webPort() + " for the web page ('host', 'webPort'): " + e.getMessage(), e)))
        .onSuccess(listening -> origins = new Origins(config.webOrigins(), hosts, config.tls() ? "https" : "http",
          listening.actualPort()));
    });
  }

  /** {@code http(s)://host:port/} of the web page, with the real port; {@code null} when webPort is 0. */
  String url() {
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
    context.logs().refusals().info(log, "{} refused: a web request for host {}, which webHosts does not name", from,
      host == null ? "(none)" : host.length() > 100 ? host.substring(0, 100) + "..." : host);
    metrics.refused(ChatMetrics.Refusal.HOST);
    return false;
  }

  /** Only {@value ServerVerticle#WEB_SOCKET_PATH}, only for a host of {@code webHosts}, only from the pages {@code webOrigins} allows. */
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
    if (!ServerVerticle.WEB_SOCKET_PATH.equals(handshake.path())) {
      return 404;
    }
    if (!servesHost(handshake.headers().get(HttpHeaders.HOST), handshake.remoteAddress()) || origins == null) {
      return 421;
    }
    String origin = handshake.headers().get(HttpHeaders.ORIGIN);
    if (!origins.allows(origin, handshake.headers().get(HttpHeaders.HOST))) {
      context.logs().refusals().info(log, "{} refused: a WebSocket from a page at {}, which webOrigins does not allow",
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
    if (stopping.getAsBoolean()) {
      connection.close();
      return;
    }
    WebDoor door = new WebDoor(connection);
    Doorkeeper doorkeeper = context.doorkeeper();
    Doorkeeper.Slot slot = ClientAddress.fromTrustedProxy(connection.remoteAddress(), config)
      ? doorkeeper.enterUncounted(door) : doorkeeper.enter(door);
    if (slot != null) {
      HttpVisits<Doorkeeper.Slot>.Visit visit = visits.opened(connection, slot, () -> doorkeeper.release(slot));
      slot.evictBy(() -> {
        context.logs().refusals().info(log, "{} closed: server full, and it was not a logged-in user", connection.remoteAddress());
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
    WebSocketLink link = new WebSocketLink(socket, eventLoop, config.maxLineLength(), maxWebSocketFrame(), client);
    if (socket.isClosed()) {
      context.doorkeeper().release(slot);
    } else if (!(client instanceof ClientAddress.Forwarded) || context.doorkeeper().forwarded(slot,
      new LinkDoor(link, socket, socket::closeHandler))) {
      accept.accept(link, slot);
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
}
