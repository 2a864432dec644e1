package io.achat.doors;

import io.achat.config.ChatConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-address rules of every door (the chat port, the web port, the management port), for
 * the whole node: at most {@code maxConnectionsPerAddress} open at once, and at most
 * {@code maxNewConnectionsPerAddress} new ones a minute (a bucket of that many, refilled evenly
 * over the minute). An IPv6 client counts under its /64, the block one subscriber gets; an
 * address in {@code exemptAddresses} counts under none. Any event loop may call it: the counts
 * live in concurrent maps, each address's count changed in one atomic step.
 */
public final class Admission implements Shareable {

  /** What the per-address rules say of a new connection. */
  public enum Verdict {
    /** In. */
    ADMITTED,
    /**
     * Counted, but its address opened too many connections in the last minute: refuse it, after a
     * while, whether or not the address also has too many open.
     */
    THROTTLED,
    /** Not counted: its address has maxConnectionsPerAddress open already (and new ones to spare). */
    ADDRESS_LIMIT
  }

  /**
   * How long a {@link Verdict#THROTTLED} connection is held before its refusal, on every door (and
   * a password the guard refuses before any hash): a client that comes straight back comes back
   * once a second, not as fast as it can.
   */
  public static final long THROTTLED_REFUSAL_MILLIS = 1000;

  static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
  /**
   * Addresses whose rate is tracked at most. A bucket that has refilled is forgotten; past this,
   * an address not tracked yet is let in untracked (the other bounds still hold) rather than the
   * map growing with every address a flood brings.
   */
  static final int MAX_TRACKED = 100_000;
  private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * How often the doors' heartbeats forget refilled buckets when the map is not full: a walk over
   * every tracked address on an event loop, so not every heartbeat.
   */
  private static final long TIDY_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final String KEY = "admission";

  private final int maxOpen;
  private final int maxNew;
  private final int maxTracked;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong sweptAt = new AtomicLong(System.nanoTime() - SWEEP_EVERY_NANOS);

  Admission(int maxOpen, int maxNew, int maxTracked) {
    this.maxOpen = maxOpen;
    this.maxNew = maxNew;
    this.maxTracked = maxTracked;
  }

  /** The node's admission, made by the first door that asks, with its configuration. */
  public static Admission of(Vertx vertx, ChatConfig config) {
    LocalMap<String, Admission> shared = vertx.sharedData().getLocalMap("a-chat.admission");
    Admission fresh = new Admission(config.maxConnectionsPerAddress(), config.maxNewConnectionsPerAddress(),
      MAX_TRACKED);
    Admission raced = shared.putIfAbsent(KEY, fresh);
    return raced != null ? raced : fresh;
  }

  /** Like {@link #key(InetAddress, ChatConfig)} for a connection's remote address (a literal: never looked up). */
  public static String key(SocketAddress client, ChatConfig config) {
    if (client == null || client.hostAddress() == null) {
      return null;
    }
    try {
      return key(InetAddress.getByName(client.hostAddress()), config);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * What {@code address} counts under: itself for IPv4, its network of {@code ipv6PrefixBits}
   * for IPv6 ({@code 2001:db8:0:1::/64}); {@code null} when it is exempt (or there are no
   * per-address rules).
   */
  public static String key(InetAddress address, ChatConfig config) {
    if (address == null || !config.limitsAddress(address)) {
      return null;
    }
    return prefix(address, config.ipv6PrefixBits());
  }

  /**
   * What {@code address} counts under for every per-address rule, exempt or not: itself for
   * IPv4, its first {@code ipv6Bits} for IPv6 (a network hands a host a /64 and every address
   * in it, so by default a /64 counts as one client).
   */
  public static String prefix(InetAddress address, int ipv6Bits) {
    if (!(address instanceof Inet6Address)) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    int groups = (ipv6Bits + 15) / 16;
    StringBuilder prefix = new StringBuilder();
    for (int g = 0; g < groups; g++) {
      int group = ((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff);
      int kept = Math.min(16, ipv6Bits - 16 * g);
      group &= 0xffff << (16 - kept) & 0xffff;
      prefix.append(g == 0 ? "" : ":").append(Integer.toHexString(group));
    }
    return prefix.append(groups < 8 ? "::/" : "/").append(ipv6Bits).toString();
  }

  /**
   * A new connection from {@code key} (see {@link #key}): counted unless the verdict is
   * {@link Verdict#ADDRESS_LIMIT}; a counted one is {@link #leave left} once when it closes. A
   * {@code null} key is always admitted and never counted.
   */
  public Verdict enter(String key) {
    if (key == null) {
      return Verdict.ADMITTED;
    }
    boolean fresh = maxNew == 0 || takeToken(key);
    int count = open.merge(key, 1, Integer::sum);
    if (!fresh) {
      // Held for its refusal whatever the count: an address past both bounds comes back no faster.
      return Verdict.THROTTLED;
    }
    if (count > maxOpen && maxOpen > 0) {
      leave(key);
      return Verdict.ADDRESS_LIMIT;
    }
    return Verdict.ADMITTED;
  }

  /** A connection {@link #enter} counted has closed. */
  public void leave(String key) {
    if (key != null) {
      open.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** How many connections from {@code key} are open (for tests and the log). */
  int open(String key) {
    return open.getOrDefault(key, 0);
  }

  int tracked() {
    return buckets.size();
  }

  private boolean takeToken(String key) {
    long now = System.nanoTime();
    if (buckets.size() >= maxTracked && !buckets.containsKey(key)) {
      sweep(now, SWEEP_EVERY_NANOS);
      if (buckets.size() >= maxTracked) {
        return true;
      }
    }
    boolean[] took = new boolean[1];
    buckets.compute(key, (k, bucket) -> {
      Bucket current = bucket == null ? Bucket.full(maxNew, WINDOW_NANOS, now)
        : bucket.refilled(maxNew, WINDOW_NANOS, now);
      took[0] = current.hasToken(WINDOW_NANOS);
      return took[0] ? current.take(WINDOW_NANOS) : current;
    });
    return took[0];
  }


  /** Forgets the buckets that have refilled, at most every 10 s: called now and then by each door. */
  public void tidy() {
    if (!buckets.isEmpty()) {
      sweep(System.nanoTime(), TIDY_EVERY_NANOS);
    }
  }

  /** Forgets the buckets that are full again, at most once per {@code every}, however many addresses come. */
  private void sweep(long now, long every) {
    long last = sweptAt.get();
    if (now - last >= every && sweptAt.compareAndSet(last, now)) {
      buckets.values().removeIf(bucket -> bucket.refilled(maxNew, WINDOW_NANOS, now).isFull(maxNew, WINDOW_NANOS));
    }
  }
}
