package io.achat.server;

import io.achat.config.ChatConfig;
import io.achat.doors.Admission;
import io.achat.ops.ChatMetrics;
import io.achat.ops.ChatMetrics.Refusal;
import io.achat.ops.RateLimitedLog;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Who comes in through an accept loop's doors, the chat port and the web port. Every connection,
 * from the moment it is accepted and whatever it turns out to be (a chat client, a page request,
 * a WebSocket), holds a {@link Slot}: it counts against its address's rules ({@link Admission})
 * and against the node's bound, {@code maxConnections} or what the open-file limit leaves room
 * for, whichever is less. Past that bound, a connection that is not a logged-in user makes room,
 * the oldest first; a logged-in user never does. One per accept loop, used on its context.
 */
final class Doorkeeper {

  private static final Logger log = LoggerFactory.getLogger(Doorkeeper.class);
  static final long THROTTLED_REFUSAL_MILLIS = Admission.THROTTLED_REFUSAL_MILLIS;
  static final String TOO_MANY = "too many connections from your address";
  static final String TOO_MANY_NEW = "too many new connections from your address; try again in a minute";

  /** A connection at a door, before anything is built for it. */
  interface Door {

    /** The client's address, as the door knows it. */
    SocketAddress client();

    /** Says {@code error: <reason>} where the door can, and closes. */
    void refuse(String reason);

    /**
     * Holds the connection for a while before it is refused: reads nothing more of it, and runs
     * {@code closed} once it has closed.
     */
    void hold(Runnable closed);
  }

  /** One connection's place in the node's counts, from its accept to its close: released once. */
  static final class Slot {

    /** What it counts under in {@link Admission}, or {@code null}. */
    private String address;
    private Runnable evict;
    private boolean released;

    private Slot(String address, Runnable evict) {
      this.address = address;
      this.evict = evict;
    }

    /** How it makes room while it is not a logged-in user. */
    void evictBy(Runnable evict) {
      this.evict = evict;
    }
  }

  private final Vertx vertx;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final RateLimitedLog refusals;
  private final Admission admission;
  private final OpenFiles openFiles = new OpenFiles();
  /** Connections on the chat and web ports the node holds at most. */
  private final long bound;
  /** This loop's connections that are not a logged-in user, oldest first: the first to make room. */
  private final Set<Slot> guests = new LinkedHashSet<>();

  Doorkeeper(Vertx vertx, ChatConfig config, ChatMetrics metrics, RateLimitedLog refusals) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.refusals = refusals;
    this.admission = Admission.of(vertx, config);
    openFiles.checkLimit((long) config.maxConnections() + config.maxManagementConnections());
    this.bound = Math.max(1, Math.min(config.maxConnections(), openFiles.fit() - config.maxManagementConnections()));
  }

  /**
   * With {@code proxyProtocol}: whether the chat port believes the PROXY header of {@code peer},
   * the address the connection came from, naming {@code client}; refused (logged, counted) if not.
   */
  boolean proxyTrusted(SocketAddress peer, SocketAddress client) {
    if (!config.proxyProtocol() || ClientAddress.fromTrustedProxy(peer, config)) {
      return true;
    }
    refusals.info(log, "{} refused: a PROXY header from {}, which trustedProxies does not name", client, peer);
    metrics.refused(ChatMetrics.Refusal.PROXY);
    return false;
  }

  /**
   * A connection just accepted at {@code door}: its slot, or {@code null} when it was refused (the
   * door was told why). A connection whose address opened too many lately is refused after
   * {@link #THROTTLED_REFUSAL_MILLIS}, holding its place until then.
   */
  Slot enter(Door door) {
    return enter(door, key(door.client()));
  }

  /**
   * Like {@link #enter(Door)} for a connection from a trusted proxy whose client is not known yet
   * (the web port's {@code X-Forwarded-For} comes with each request): counted on the node only.
   */
  Slot enterUncounted(Door door) {
    return enter(door, null);
  }

  private Slot enter(Door door, String key) {
    Admission.Verdict verdict = admission.enter(key);
    if (verdict == Admission.Verdict.ADDRESS_LIMIT) {
      refuseForAddress(door, key);
      return null;
    }
    Slot slot = take(door, key);
    if (slot == null || verdict == Admission.Verdict.ADMITTED) {
      return slot;
    }
    throttle(door, slot);
    return null;
  }

  /**
   * A WebSocket through a trusted proxy, whose slot was taken uncounted, names its client: from
   * now on it counts under that client's address. Returns whether it may go on.
   */
  boolean forwarded(Slot slot, Door door) {
    String key = key(door.client());
    Admission.Verdict verdict = admission.enter(key);
    if (verdict == Admission.Verdict.ADDRESS_LIMIT) {
      door.hold(() -> release(slot));
      refuseForAddress(door, key);
      return false;
    }
    slot.address = key;
    if (verdict == Admission.Verdict.THROTTLED) {
      throttle(door, slot);
      return false;
    }
    return true;
  }

  private void refuseForAddress(Door door, String key) {
    refusals.info(log, "{} refused: more than {} connections from {} (maxConnectionsPerAddress)", door.client(),
      config.maxConnectionsPerAddress(), key);
    metrics.refused(Refusal.ADDRESS_LIMIT);
    door.refuse(TOO_MANY);
  }

  /** Holds {@code slot} for a while, then refuses it: its address opened too many connections lately. */
  private void throttle(Door door, Slot slot) {
    refusals.info(log, "{} refused: more than {} new connections a minute from {} (maxNewConnectionsPerAddress)",
      door.client(), config.maxNewConnectionsPerAddress(), slot.address);
    metrics.refused(Refusal.RATE);
    door.hold(() -> release(slot));
    slot.evictBy(() -> door.refuse(TOO_MANY_NEW));
    vertx.setTimer(THROTTLED_REFUSAL_MILLIS, t -> {
      if (guests.remove(slot)) {
        door.refuse(TOO_MANY_NEW);
      }
    });
  }

  /** A place on the node for a connection counted under {@code key}, made by the oldest guest if need be. */
  private Slot take(Door door, String key) {
    long open = metrics.connectionOpened();
    if (open > bound) {
      if (bound < config.maxConnections()) {
        openFiles.usedUp(open - 1);
      }
      Iterator<Slot> oldest = guests.iterator();
      if (!oldest.hasNext()) {
        metrics.connectionClosed();
        admission.leave(key);
        refusals.info(log, "{} refused: server full ({} connections)", door.client(), bound);
        metrics.refused(Refusal.FULL);
        door.refuse("server full");
        return null;
      }
      // Its place is free once its socket has closed.
      Slot making = oldest.next();
      oldest.remove();
      making.evict.run();
    }
    Slot slot = new Slot(key, () -> {
      refusals.info(log, "{} refused: server full, and it was not a logged-in user", door.client());
      metrics.refused(Refusal.EVICTED);
      door.refuse("server full");
    });
    guests.add(slot);
    return slot;
  }

  /** {@code slot} is a logged-in user now, or gone: it no longer makes room for others. */
  void settled(Slot slot) {
    guests.remove(slot);
  }

  /** {@code slot}'s connection has closed: its place is free. */
  void release(Slot slot) {
    if (slot != null && !slot.released) {
      slot.released = true;
      guests.remove(slot);
      admission.leave(slot.address);
      metrics.connectionClosed();
    }
  }

  /** Now and then, from the accept loop: the per-address counts forget what has aged out. */
  void tidy() {
    admission.tidy();
  }

  private String key(SocketAddress client) {
    return Admission.key(client, config);
  }
}
