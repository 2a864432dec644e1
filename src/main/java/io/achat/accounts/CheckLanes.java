package io.achat.accounts;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The order in which a node's hashing threads take password checks, and which checks are
 * refused without a hash. A check starts at once while a thread is free; else it waits in the
 * lane of its {@link LoginGuard.Verdict}, at most {@link #MAX_WAITING} in each:
 *
 * <ul>
 *   <li>{@link Lane#FAMILIAR}, a name at home, goes first, oldest first; past the bound the
 *       newcomer is refused.</li>
 *   <li>{@link Lane#QUIET}, a name's first attempt from an unfamiliar place in a while, goes
 *       next, and {@link Lane#UNFAMILIAR}, the rest, last. In these two the newest goes first:
 *       under a flood the one that just came (the owner of a name nobody is trying, say) is
 *       heard at the next free thread rather than behind the flood. Past the bound the oldest
 *       waiting is refused, and so is one that waited {@link #MAX_WAIT_MILLIS}: nobody waits
 *       long to hear that the server is busy.</li>
 * </ul>
 *
 * So the node never holds more than 3 × {@link #MAX_WAITING} checks, and hashes at most as
 * many at once as it has threads. Thread-safe: a node's accept loops share one; checks are
 * started and refused outside its lock.
 */
public final class CheckLanes {

  public static final int MAX_WAITING = 64;
  public static final long MAX_WAIT_MILLIS = 3000;

  /** A password check: started on a free thread (the caller reports {@link #finished()}), or refused unhashed. */
  public interface Check {
    void start();

    void refuse();
  }

  /** Where a check waits for a thread, in the order the lanes are served. */
  public enum Lane {
    FAMILIAR, QUIET, UNFAMILIAR;

    /** The lane of an attempt the guard heard. */
    public static Lane of(LoginGuard.Verdict verdict) {
      return switch (verdict) {
        case FAMILIAR -> FAMILIAR;
        case QUIET -> QUIET;
        case UNFAMILIAR -> UNFAMILIAR;
        default -> throw new IllegalArgumentException("not heard: " + verdict);
      };
    }
  }

  private record Waiting(Check check, long since) {
  }

  private final int threads;
  private final LongSupplier clock;
  private final Map<Lane, Deque<Waiting>> lanes = new EnumMap<>(Lane.class);
  private int running;

  public CheckLanes(int threads) {
    this(threads, System::nanoTime);
  }

  CheckLanes(int threads, LongSupplier clock) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads: " + threads);
    }
    this.threads = threads;
    this.clock = clock;
    for (Lane lane : Lane.values()) {
      lanes.put(lane, new ArrayDeque<>());
    }
  }

  /** Starts {@code check} if a thread is free, else queues it in {@code lane}; refuses what the lane cannot hold. */
  public void submit(Lane lane, Check check) {
    Check refused = null;
    boolean start = false;
    synchronized (this) {
      if (running < threads) {
        running++;
        start = true;
      } else {
        Deque<Waiting> waiting = lanes.get(lane);
        if (waiting.size() < MAX_WAITING) {
          waiting.addLast(new Waiting(check, clock.getAsLong()));
        } else if (lane == Lane.FAMILIAR) {
          refused = check;
        } else {
          refused = waiting.pollFirst().check();
          waiting.addLast(new Waiting(check, clock.getAsLong()));
        }
      }
    }
    if (refused != null) {
      refused.refuse();
    }
    if (start) {
      check.start();
    }
  }

  /** A started check is done: its thread takes the next one, and those that waited too long are refused. */
  public void finished() {
    List<Check> refused = new ArrayList<>();
    Waiting next;
    synchronized (this) {
      long now = clock.getAsLong();
      long maxWait = TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MILLIS);
      for (Lane lane : List.of(Lane.QUIET, Lane.UNFAMILIAR)) {
        Deque<Waiting> waiting = lanes.get(lane);
        while (!waiting.isEmpty() && now - waiting.peekFirst().since() >= maxWait) {
          refused.add(waiting.pollFirst().check());
        }
      }
      next = lanes.get(Lane.FAMILIAR).pollFirst();
      if (next == null) {
        next = lanes.get(Lane.QUIET).pollLast();
      }
      if (next == null) {
        next = lanes.get(Lane.UNFAMILIAR).pollLast();
      }
      if (next == null) {
        running--;
      }
    }
    refused.forEach(Check::refuse);
    if (next != null) {
      next.check().start();
    }
  }

  /** The checks waiting for a thread now. */
  public synchronized int waiting() {
    return lanes.values().stream().mapToInt(Deque::size).sum();
  }
}
