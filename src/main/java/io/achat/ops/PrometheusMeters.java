package io.achat.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * a-chat's counts ({@link ChatMetrics}) as Micrometer meters, in the Prometheus registry of
 * Vert.x's Micrometer metrics when they are on (then Vert.x's net and event-bus meters are
 * served beside them), else in a registry of a-chat's own. Made by the management server only:
 * the one class of a-chat, with the launcher, that needs Micrometer.
 */
public final class PrometheusMeters implements Shareable {

  private static final String KEY = "meters";

  private final PrometheusMeterRegistry registry;

  private PrometheusMeters(PrometheusMeterRegistry registry, ChatMetrics metrics) {
    this.registry = registry;
    Gauge.builder("achat.connections.open", metrics.connections, AtomicLong::get)
      .description("Open client connections on this node, logged in or not").register(registry);
    Gauge.builder("achat.users.online", metrics.users, AtomicInteger::get)
      .description("Logged-in users on this node").register(registry);
    Gauge.builder("achat.queued", metrics.queuedBytes, LongAdder::sum).baseUnit("bytes")
      .description("Bytes written to client sockets that have not left yet").register(registry);
    counter("achat.logins.accepted", metrics.loginsAccepted, "Logins accepted").register(registry);
    metrics.refusals.forEach((refusal, count) -> counter("achat.logins.refused", count,
      "Connections refused before or at login, by reason").tag("reason", refusal.tag()).register(registry));
    counter("achat.messages.routed", metrics.messagesRouted,
      "Message lines from this node's users routed by the broker").register(registry);
    counter("achat.deliveries", metrics.deliveries, "Lines handed to this node's users, one per recipient")
      .register(registry);
    counter("achat.not.connected.replies", metrics.notConnected, "'error: not connected' answers").register(registry);
    Gauge.builder("achat.watched.names", metrics.watched, AtomicInteger::get)
      .description("Names on the watch lists of this node's users (/watch)").register(registry);
    counter("achat.presence.lines", metrics.presenceLines,
      "'online:' and 'offline:' lines telling watchers on this node that a watched name came or went").register(registry);
    counter("achat.slow.consumers", metrics.slowConsumers, "Users cut off for not reading (maxQueuedBytes)")
      .register(registry);
    counter("achat.lines.too.long", metrics.linesTooLong, "Connections ended by a line longer than maxLineLength")
      .register(registry);
    metrics.evictions.forEach((eviction, count) -> counter("achat.clients.evicted", count,
      "Clients cut off to bound the server's memory, by reason").tag("reason", eviction.tag()).register(registry));
    Gauge.builder("achat.client.memory", metrics, ChatMetrics::clientMemoryHeld).baseUnit("bytes")
      .description("Bytes held for clients: queued for them, read from them and not yet routed").register(registry);
    Gauge.builder("achat.client.memory.budget", metrics, ChatMetrics::clientMemoryBudget).baseUnit("bytes")
      .description("maxClientMemory: past it the clients holding the most are cut off").register(registry);
    String checks = "Passwords checked, by how: the slow hash, or what the node kept of one that logged in on it before";
    counter("achat.password.checks", metrics.passwordsHashed, checks).tag("by", "hash").register(registry);
    counter("achat.password.checks", metrics.passwordsRemembered, checks).tag("by", "memory").register(registry);
    Gauge.builder("achat.password.checks.waiting", metrics, ChatMetrics::passwordChecksWaiting)
      .description("Password checks waiting for a hashing thread (passwordCheckThreads)").register(registry);
    Timer brokerEvent = Timer.builder("achat.broker.event")
      .description("The broker's time for one message from an accept loop or another node")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofNanos(1000))
      .maximumExpectedValue(Duration.ofSeconds(1))
      .register(registry);
    metrics.timeBrokerEvents(nanos -> brokerEvent.record(nanos, TimeUnit.NANOSECONDS));
  }

  private static FunctionCounter.Builder<LongAdder> counter(String name, LongAdder count, String description) {
    return FunctionCounter.builder(name, count, LongAdder::sum).description(description);
  }

  /** The meters of {@code vertx}'s a-chat, registered by the first caller. */
  public static PrometheusMeters of(Vertx vertx) {
    LocalMap<String, PrometheusMeters> shared = vertx.sharedData().getLocalMap("a-chat.meters");
    PrometheusMeters existing = shared.get(KEY);
    if (existing != null) {
      return existing;
    }
    MeterRegistry vertxRegistry = BackendRegistries.getDefaultNow();
    PrometheusMeters meters = new PrometheusMeters(vertxRegistry instanceof PrometheusMeterRegistry prometheus
      ? prometheus : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), ChatMetrics.of(vertx));
    PrometheusMeters raced = shared.putIfAbsent(KEY, meters);
    return raced != null ? raced : meters;
  }

  /** Everything, in Prometheus's text format. */
  public String scrape() {
    return registry.scrape();
  }
}
