package io.achat.ops;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;

/**
 * a-chat's own counts, one set per Vert.x instance: plain counters, safe to touch from any event
 * loop without locks (the broker adds its per-message counts once per turn). Nothing here needs
 * a metrics library: the management server serves them through Micrometer
 * ({@link PrometheusMeters}), and an application that embeds a-chat without it has no
 * Micrometer on its class path.
 */
public final class ChatMetrics implements Shareable {

  /** Why a login was refused: the values of the {@code reason} tag. */
  public enum Refusal {
    TAKEN, INVALID, TIMEOUT, TOO_LONG, NOT_UTF8, FULL, ADDRESS_LIMIT, EVICTED, SHUTTING_DOWN, UNAVAILABLE, ORIGIN, HOST, PROXY, PASSWORD, THROTTLED, NAME_THROTTLED, NO_ACCOUNT, RATE, REQUEST_TIMEOUT;

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

  final AtomicLong connections = new AtomicLong();
  final AtomicInteger users = new AtomicInteger();
  final LongAdder queuedBytes = new LongAdder();
  final LongAdder loginsAccepted = new LongAdder();
  final LongAdder passwordsHashed = new LongAdder();
  final LongAdder passwordsRemembered = new LongAdder();
  final Map<Refusal, LongAdder> refusals = new EnumMap<>(Refusal.class);
  final LongAdder messagesRouted = new LongAdder();
  final LongAdder deliveries = new LongAdder();
  final LongAdder notConnected = new LongAdder();
  final LongAdder slowConsumers = new LongAdder();
  final LongAdder linesTooLong = new LongAdder();
  final AtomicInteger watched = new AtomicInteger();
  final LongAdder presenceLines = new LongAdder();
  final Map<Eviction, LongAdder> evictions = new EnumMap<>(Eviction.class);
  private volatile AtomicLong clientMemory = new AtomicLong();
  private volatile long clientMemoryBudget;
  private volatile IntSupplier passwordChecksWaiting = () -> 0;
  /** Where the broker's time per event goes: nowhere until the management server serves it. */
  private volatile LongConsumer brokerEventNanos = nanos -> { };

  private ChatMetrics() {
    for (Refusal refusal : Refusal.values()) {
      refusals.put(refusal, new LongAdder());
    }
    for (Eviction eviction : Eviction.values()) {
      evictions.put(eviction, new LongAdder());
    }
  }

  /** The counts of {@code vertx}'s a-chat, made by the first verticle that asks. */
  public static ChatMetrics of(Vertx vertx) {
    LocalMap<String, ChatMetrics> shared = vertx.sharedData().getLocalMap("a-chat.metrics");
    ChatMetrics fresh = new ChatMetrics();
    ChatMetrics raced = shared.putIfAbsent(KEY, fresh);
    return raced != null ? raced : fresh;
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
      messagesRouted.add(messages);
    }
    if (delivered > 0) {
      deliveries.add(delivered);
    }
    if (notConnectedReplies > 0) {
      notConnected.add(notConnectedReplies);
    }
  }

  /** The names on this node's watch lists now, and {@code told} more lines telling watchers who came or went. */
  public void presence(int watchedNames, long told) {
    watched.set(watchedNames);
    if (told > 0) {
      presenceLines.add(told);
    }
  }

  public void slowConsumer() {
    slowConsumers.increment();
  }

  public void evicted(Eviction reason) {
    evictions.get(reason).increment();
  }

  /** What the node holds for its clients, and the budget for it (maxClientMemory). */
  public void clientMemory(AtomicLong held, long budget) {
    clientMemory = held;
    clientMemoryBudget = budget;
  }

  /** A password was checked: by its slow hash, or against what the node kept of it (no hash). */
  public void passwordChecked(boolean hashed) {
    (hashed ? passwordsHashed : passwordsRemembered).increment();
  }

  /** Where the node's password checks waiting for a hashing thread are counted (the accounts' lanes). */
  public void passwordChecksWaiting(IntSupplier waiting) {
    passwordChecksWaiting = waiting;
  }

  int passwordChecksWaiting() {
    return passwordChecksWaiting.getAsInt();
  }

  long clientMemoryHeld() {
    return clientMemory.get();
  }

  long clientMemoryBudget() {
    return clientMemoryBudget;
  }

  public void lineTooLong() {
    linesTooLong.increment();
  }

  public void brokerEvent(long nanos) {
    brokerEventNanos.accept(nanos);
  }

  void timeBrokerEvents(LongConsumer nanos) {
    brokerEventNanos = nanos;
  }
}
