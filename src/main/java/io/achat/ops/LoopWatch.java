package io.achat.ops;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether the event loops a-chat runs on still answer: each verticle has its context watched,
 * and {@link #probe} (from any thread) asks every watched context to run a trivial task. A loop
 * whose task has waited longer than a bound is stuck: {@code /ready} says so after a second, and
 * under {@code java -jar} the process exits after maxBlockedMillis rather than stay up without
 * serving. Lock-free: each probe's state is written by its loop and read by the prober.
 */
public final class LoopWatch implements Shareable {

  private static final String KEY = "watch";

  /** One watched context. */
  private static final class Probe {
    final String name;
    final Context context;
    /** When the probe now waiting was sent ({@link System#nanoTime}), or 0 when none waits. */
    volatile long waitingSince;
    /** The thread that answered last: the loop's thread, whose stack shows where it is stuck. */
    volatile Thread thread;
    /** The loop refused the probe: its thread has ended (an error of the JVM can end it) and it never answers again. */
    volatile boolean ended;

    Probe(String name, Context context) {
      this.name = name;
      this.context = context;
    }
  }

  /** A watched loop that has not answered for {@code millis}, or whose thread has {@code ended}. */
  public record Stall(String name, long millis, Thread thread, boolean ended) {
  }

  private final Map<Context, Probe> probes = new ConcurrentHashMap<>();

  /** The watch of {@code vertx}'s a-chat, made by the first verticle that asks. */
  public static LoopWatch of(Vertx vertx) {
    LocalMap<String, LoopWatch> shared = vertx.sharedData().getLocalMap("a-chat.watch");
    LoopWatch fresh = new LoopWatch();
    LoopWatch raced = shared.putIfAbsent(KEY, fresh);
    return raced != null ? raced : fresh;
  }

  /** Watches {@code context}, which runs the verticle called {@code name}, until {@link #forget}. */
  public void watch(String name, Context context) {
    probes.put(context, new Probe(name, context));
  }

  public void forget(Context context) {
    probes.remove(context);
  }

  /** Sends a probe to every watched loop that has none waiting. */
  public void probe() {
    for (Probe probe : probes.values()) {
      if (probe.waitingSince == 0) {
        probe.waitingSince = Math.max(1, System.nanoTime());
        try {
          probe.context.runOnContext(v -> {
            probe.thread = Thread.currentThread();
            probe.waitingSince = 0;
          });
        } catch (RejectedExecutionException e) {
          probe.ended = true;
        }
      }
    }
  }

  /**
   * The whole process was stopped (SIGSTOP, a pause of the machine): the probes waiting now are
   * timed from here, since no loop could answer while nothing ran.
   */
  public void restartClocks() {
    long now = Math.max(1, System.nanoTime());
    for (Probe probe : probes.values()) {
      if (probe.waitingSince != 0) {
        probe.waitingSince = now;
      }
    }
  }

  /**
   * The watched loops whose probe has waited {@code millis} or longer, or whose thread has ended
   * (those first, then the longest wait first).
   */
  public List<Stall> stalls(long millis) {
    long now = System.nanoTime();
    List<Stall> stalls = new ArrayList<>();
    for (Probe probe : probes.values()) {
      long since = probe.waitingSince;
      long waited = since == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(now - since);
      if (probe.ended || since != 0 && waited >= millis) {
        stalls.add(new Stall(probe.name, waited, probe.thread, probe.ended));
      }
    }
    stalls.sort((a, b) -> a.ended() != b.ended() ? Boolean.compare(b.ended(), a.ended()) : Long.compare(b.millis(), a.millis()));
    return stalls;
  }
}
