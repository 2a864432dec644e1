package io.achat.ops;

import io.achat.config.BusAddresses;
import io.achat.config.ChatConfig;
import io.achat.doors.Admission;
import io.achat.doors.HttpVisits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The management HTTP server on {@code managementPort} (bound to {@code managementHost}, over
 * HTTPS when the chat port has TLS): {@code /metrics} in Prometheus's text format (only with the
 * bearer token when {@code managementToken} is set), {@code /health} (the broker's event loop answers) and
 * {@code /ready} (the broker routes: started, not shutting down, and on a cluster joined; and every
 * event loop a-chat runs on answers within a second), both
 * JSON with 200 or 503. Probes log nothing. Its connections count against the per-address rules
 * of every door and against {@code maxManagementConnections} of their own, so that the port can
 * neither starve the chat of descriptors nor be starved by it; a connection must send its
 * request within {@code requestTimeoutMillis} and may wait for the next one
 * {@code keepAliveTimeoutMillis}. Deploy it after the broker; it takes its configuration from the
 * deployment config.
 */
public final class ManagementVerticle extends VerticleBase {


  private static final Logger log = LoggerFactory.getLogger(ManagementVerticle.class);
  private static final DeliveryOptions ASK_BROKER = new DeliveryOptions(BusAddresses.LOCAL).setSendTimeout(1000);
  /** How often the event loops are asked whether they answer, and how long one may take before it is not ready. */
  private static final long PROBE_MILLIS = 250;
  private static final long READY_MILLIS = 1000;

  private ChatConfig config;
  private PrometheusMeters meters;
  private HttpServer server;
  private LoopWatch watch;
  private long probeTimer = -1;
  private Admission admission;
  /** Open connections, each with what it counts under in {@link #admission}. */
  private HttpVisits<String> visits;
  /** Connections held to be refused (their address came too often), counted with the visits against the bound. */
  private int held;
  private final RateLimitedLog refusals = new RateLimitedLog(log, "management refusals", 10, 10_000, false);
  /** {@code Bearer <managementToken>}, or null when {@code /metrics} is open. */
  private byte[] metricsAuthorization;

  @Override
  public Future<?> start() {
    return ChatConfig.of(vertx, config())
      .compose(loaded -> {
        config = loaded;
        meters = PrometheusMeters.of(vertx);
        watch = LoopWatch.of(vertx);
        watch.watch("the management server", context);
        probeTimer = vertx.setPeriodic(PROBE_MILLIS, t -> {
          watch.probe();
          refusals.tick();
        });
        admission = Admission.of(vertx, config);
        visits = new HttpVisits<>(vertx, config.requestTimeoutMillis(), config.keepAliveTimeoutMillis(), visit -> {
          refusals.info(log, "{} closed: no whole request to the management port within {} ms (requestTimeoutMillis)",
            visit.connection().remoteAddress(), config.requestTimeoutMillis());
          ChatMetrics.of(vertx).refused(ChatMetrics.Refusal.REQUEST_TIMEOUT);
        });
        // Without h2c, a connection is seen as soon as it is accepted, not at its first bytes.
        HttpServerOptions options = config.servingTls(new HttpServerOptions().setHttp2ClearTextEnabled(false));
        metricsAuthorization = config.managementToken().isEmpty() ? null
          : ("Bearer " + config.managementToken()).getBytes(StandardCharsets.US_ASCII);
        server = vertx.createHttpServer(options).connectionHandler(this::accept).requestHandler(this::handle);
        return server.listen(config.managementPort() < 0 ? 0 : config.managementPort(), config.managementHost())
          .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen for management on "
            + config.managementHost() + ":" + config.managementPort() + " ('managementHost', 'managementPort'): "
            + e.getMessage(), e)));
      })
      .onSuccess(s -> {
        log.info("management (metrics, health) on {}", url());
        vertx.eventBus().publish(BusAddresses.MANAGEMENT_LISTENING, url(), BusAddresses.LOCAL);
      });
  }

  /**
   * {@code http(s)://host:port} of this server, with the real port; on this machine's loopback
   * address when it listens on every address.
   */
  public String url() {
    return config.managementUrl(server.actualPort());
  }

  /**
   * A connection, as soon as it is accepted: past the per-address rules it is refused (after a
   * second when its address came too often); past maxManagementConnections the oldest one waiting
   * for a request makes room, else the newcomer is closed.
   */
  private void accept(HttpConnection connection) {
    ChatMetrics metrics = ChatMetrics.of(vertx);
    String key = Admission.key(connection.remoteAddress(), config);
    Admission.Verdict verdict = admission.enter(key);
    if (verdict == Admission.Verdict.ADDRESS_LIMIT) {
      refusals.info(log, "{} refused at the management port: more than {} connections from {}"
        + " (maxConnectionsPerAddress)", connection.remoteAddress(), config.maxConnectionsPerAddress(), key);
      metrics.refused(ChatMetrics.Refusal.ADDRESS_LIMIT);
      connection.close();
      return;
    }
    if (visits.size() + held >= config.maxManagementConnections()) {
      HttpVisits<String>.Visit oldest = visits.oldestIdle();
      if (oldest == null) {
        admission.leave(key);
        refusals.info(log, "{} refused at the management port: {} connections open (maxManagementConnections)",
          connection.remoteAddress(), config.maxManagementConnections());
        metrics.refused(ChatMetrics.Refusal.FULL);
        connection.close();
        return;
      }
      oldest.close();
    }
    if (verdict == Admission.Verdict.THROTTLED) {
      refusals.info(log, "{} refused at the management port: more than {} new connections a minute from {}"
        + " (maxNewConnectionsPerAddress)", connection.remoteAddress(), config.maxNewConnectionsPerAddress(), key);
      metrics.refused(ChatMetrics.Refusal.RATE);
      held++;
      connection.closeHandler(v -> {
        held--;
        admission.leave(key);
      });
      vertx.setTimer(Admission.THROTTLED_REFUSAL_MILLIS, t -> connection.close());
      return;
    }
    visits.opened(connection, key, () -> admission.leave(key));
  }

  private void handle(HttpServerRequest request) {
    if (visits.request(request) == null) {
      return; // a connection being refused: it is closed unanswered
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
      return;
    }
    switch (request.path()) {
      case "/metrics" -> {
        if (authorized(request)) {
          request.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(meters.scrape());
        } else {
          request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"a-chat metrics\"")
            .end();
        }
      }
      case "/health" -> askBroker().onComplete(ar -> json(request, ar.succeeded() ? 200 : 503,
        new JsonObject().put("status", ar.succeeded() ? "UP" : "DOWN")
          .put("broker", ar.succeeded() ? "answers" : "does not answer: " + ar.cause().getMessage())));
      case "/ready" -> askBroker().onComplete(ar -> {
        if (ar.failed()) {
          json(request, 503, new JsonObject().put("status", "NOT_READY")
            .put("broker", "does not answer: " + ar.cause().getMessage()));
          return;
        }
        JsonObject status = ar.result().copy();
        List<LoopWatch.Stall> stalls = watch.stalls(READY_MILLIS);
        if (!stalls.isEmpty()) {
          status.put("eventLoops", "not answering: " + stalls.stream()
            .map(s -> s.name() + (s.ended() ? " (its thread has ended)" : " for " + s.millis() + " ms")).collect(Collectors.joining(", ")));
        }
        boolean ready = status.getBoolean("routing", false) && stalls.isEmpty();
        json(request, ready ? 200 : 503, status.put("status", ready ? "READY" : "NOT_READY"));
      });
      default -> request.response().setStatusCode(404).end();
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(probeTimer);
    watch.forget(context);
    return Future.succeededFuture();
  }

  /**
   * Whether {@code /metrics} may answer: always without a {@code managementToken}, else only to
   * {@code Authorization: Bearer <token>} (compared in constant time).
   */
  private boolean authorized(HttpServerRequest request) {
    if (metricsAuthorization == null) {
      return true;
    }
    String given = request.getHeader("Authorization");
    return given != null && MessageDigest.isEqual(metricsAuthorization, given.getBytes(StandardCharsets.US_ASCII));
  }

  private Future<JsonObject> askBroker() {
    return vertx.eventBus().<JsonObject>request(BusAddresses.BROKER_STATUS, null, ASK_BROKER).map(m -> m.body());
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
