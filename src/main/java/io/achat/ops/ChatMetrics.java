package io.achat.ops;

import io.micrometer.core.instrument.Counter;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * a-chat's own meters, one set per Vert.x instance, in the Prometheus registry of Vert.x's
 * Micrometer metrics when they are on (then Vert.x's net and event-bus meters are served
 * beside them), else in a registry of a-chat's own. Every meter is safe to touch from any event
 * loop without locks; the broker adds its per-message counts once per turn.
 */
public final class ChatMetrics implements Shareable {

  /** Why a login was refused: the values of the {@code reason} tag. */
  public enum Refusal {
    TAKEN, INVALID, TIMEOUT, TOO_LONG, NOT_UTF8, FULL, ADDRESS_LIMIT, EVICTED, SHUTTING_DOWN, UNAVAILABLE, ORIGIN;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Why a client was cut off to protect the server's memory: the values of the {@code reason} tag. */
  public enum Eviction {
    /** It held more than maxQueuedBytes. */
    QUEUE,
    /** It held among the most while the node held more than maxClientMemory for all clients. */
    MEMORY;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final String KEY = "metrics";

  private final PrometheusMeterRegistry registry;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicInteger users = new AtomicInteger();
  private final LongAdder queuedBytes = new LongAdder();
  private final Counter loginsAccepted;
  private final Map<Refusal, Counter> refusals = new ConcurrentHashMap<>();
  private final Counter messagesRouted;
  private final Counter deliveries;
  private final Counter notConnected;
  private final Counter slowConsumers;
  private final Counter linesTooLong;
  private final Map<Eviction, Counter> evictions = new ConcurrentHashMap<>();
  private final Timer brokerEvent;

  private ChatMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("achat.connections.open", connections, AtomicLong::get)
      .description("Open client connections on this node, logged in or not").register(registry);
    Gauge.builder("achat.users.online", users, AtomicInteger::get)
      .description("Logged-in users on this node").register(registry);
    Gauge.builder("achat.queued", queuedBytes, LongAdder::sum).baseUnit("bytes")
      .description("Bytes written to client sockets that have not left yet").register(registry);
    loginsAccepted = Counter.builder("achat.logins.accepted").description("Logins accepted").register(registry);
    for (Refusal refusal : Refusal.values()) {
      refusals.put(refusal, Counter.builder("achat.logins.refused").tag("reason", refusal.tag())
        .description("Connections refused before or at login, by reason").register(registry));
    }
    messagesRouted = Counter.builder("achat.messages.routed")
      .description("Message lines from this node's users routed by the broker").register(registry);
    deliveries = Counter.builder("achat.deliveries")
      .description("Lines handed to this node's users, one per recipient").register(registry);
    notConnected = Counter.builder("achat.not.connected.replies")
      .description("'error: not connected' answers").register(registry);
    slowConsumers = Counter.builder("achat.slow.consumers")
      .description("Users cut off for not reading (maxQueuedBytes)").register(registry);
    linesTooLong = Counter.builder("achat.lines.too.long")
      .description("Connections ended by a line longer than maxLineLength").register(registry);
    for (Eviction eviction : Eviction.values()) {
      evictions.put(eviction, Counter.builder("achat.clients.evicted").tag("reason", eviction.tag())
        .description("Clients cut off to bound the server's memory, by reason").register(registry));
    }
    brokerEvent = Timer.builder("achat.broker.event")
      .description("The broker's time for one message from an accept loop or another node")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofNanos(1000))
      .maximumExpectedValue(Duration.ofSeconds(1))
      .register(registry);
  }

  /** The meters of {@code vertx}'s a-chat, made by the first verticle that asks. */
  public static ChatMetrics of(Vertx vertx) {
    LocalMap<String, Object> shared = vertx.sharedData().getLocalMap("a-chat.metrics");
    Object existing = shared.get(KEY);
    if (existing != null) {
      return (ChatMetrics) existing;
    }
    MeterRegistry vertxRegistry = BackendRegistries.getDefaultNow();
    ChatMetrics metrics = new ChatMetrics(vertxRegistry instanceof PrometheusMeterRegistry prometheus
      ? prometheus : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Object raced = shared.putIfAbsent(KEY, metrics);
    return raced != null ? (ChatMetrics) raced : metrics;
  }

  /** Everything, in Prometheus's text format. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * A client connection opened; returns how many are open on this Vert.x instance now, the count
   * {@code maxConnections} is checked against.
   */
  public long connectionOpened() {
    return connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  public void usersOnline(int count) {
    users.set(count);
  }

  public void queued(long bytes) {
    queuedBytes.add(bytes);
  }

  public void loginAccepted() {
    loginsAccepted.increment();
  }

  public void refused(Refusal reason) {
    refusals.get(reason).increment();
  }

  /** A broker turn's counts. */
  public void routed(long messages, long delivered, long notConnectedReplies) {
    if (messages > 0) {
      messagesRouted.increment(messages);
    }
    if (delivered > 0) {
      deliveries.increment(delivered);
    }
    if (notConnectedReplies > 0) {
      notConnected.increment(notConnectedReplies);
    }
  }

  public void slowConsumer() {
    slowConsumers.increment();
  }

  public void evicted(Eviction reason) {
    evictions.get(reason).increment();
  }

  /** Serves what the node holds for its clients, and the budget for it (maxClientMemory). */
  public void clientMemory(AtomicLong held, long budget) {
    Gauge.builder("achat.client.memory", held, AtomicLong::get).baseUnit("bytes")
      .description("Bytes held for clients: queued for them, read from them and not yet routed").register(registry);
    Gauge.builder("achat.client.memory.budget", () -> budget).baseUnit("bytes")
      .description("maxClientMemory: past it the clients holding the most are cut off").register(registry);
  }

  public void lineTooLong() {
    linesTooLong.increment();
  }

  public void brokerEvent(long nanos) {
    brokerEvent.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
