package io.achat.ops;

import io.vertx.core.Vertx;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The thread of the server started from the command line that ends the process when a-chat
 * cannot go on, rather than let it stay up without serving, so that a supervisor restarts it:
 * when an event loop a-chat runs on has not answered for maxBlockedMillis or has ended
 * ({@link LoopWatch}), and when the heap stays full after collections ({@link HeapWatch}). It
 * runs apart from every event loop, since a loop that is stuck cannot report itself.
 */
public final class LoopWatchdog {

  /** How full the old generation may stay after a collection before the heap counts as exhausted. */
  private static final double HEAP_EXHAUSTED = 0.98;

  private final long maxBlockedMillis;
  private final Runnable eachRound;
  /** Vert.x is being stopped: its loops end on purpose, and the watchdog stops watching. */
  private volatile boolean stopping;

  /**
   * @param maxBlockedMillis how long a loop may not answer; 0 watches the heap only
   * @param eachRound what else runs on the watchdog's thread, about once a second (summing up a
   *                  rate-limited log that any thread writes to, for one)
   */
  public LoopWatchdog(long maxBlockedMillis, Runnable eachRound) {
    this.maxBlockedMillis = maxBlockedMillis;
    this.eachRound = eachRound;
  }

  /** Watches the loops of {@code vertx}'s a-chat, on a daemon thread of its own. */
  public void start(Vertx vertx) {
    LoopWatch watch = LoopWatch.of(vertx);
    Thread watchdog = new Thread(() -> watchLoops(watch), "a-chat-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Vert.x is being stopped: from now on a loop that ends or stops answering is not a failure. */
  public void stop() {
    stopping = true;
  }

  private void watchLoops(LoopWatch watch) {
    try {
      HeapWatch heap = new HeapWatch(HEAP_EXHAUSTED);
      long every = maxBlockedMillis > 0 ? Math.min(1000, maxBlockedMillis / 4) : 1000;
      long last = System.nanoTime();
      while (!stopping) {
        long now = System.nanoTime();
        if (now - last > TimeUnit.MILLISECONDS.toNanos(3 * every)) {
          watch.restartClocks(); // the watchdog itself did not run: the process was stopped, not a loop
        }
        last = now;
        if (maxBlockedMillis > 0) {
          watch.probe();
          List<LoopWatch.Stall> stalls = watch.stalls(maxBlockedMillis);
          if (!stalls.isEmpty() && !stopping) {
            giveUp(stalls.get(0));
          }
        }
        Optional<String> exhausted = heap.exhausted();
        if (exhausted.isPresent()) {
          Fatal.exit(Fatal.OUT_OF_MEMORY, "the heap is exhausted (" + exhausted.get() + "); a-chat cannot go on", null);
        }
        eachRound.run();
        Thread.sleep(every); // the watchdog's own pace, not a wait for anything
      }
    } catch (InterruptedException e) {
      // the process is ending
    } catch (VirtualMachineError e) {
      Fatal.jvmError(Fatal.IN_THE_WATCHDOG, e);
    } catch (RuntimeException e) {
      // without its watchdog the process could stay up without serving
      Fatal.exit(Fatal.BLOCKED, "the loop watchdog failed; a-chat cannot go on", e);
    }
  }

  private void giveUp(LoopWatch.Stall stall) {
    Throwable where = new Throwable("where " + (stall.thread() == null ? "it" : stall.thread().getName()) + " is");
    if (stall.thread() != null) {
      where.setStackTrace(stall.thread().getStackTrace());
    }
    if (stall.ended()) {
      // Netty ends a loop's thread when an error of the JVM escapes its run loop, unseen by Vert.x.
      Fatal.exit(Fatal.OUT_OF_MEMORY, "the event loop of " + stall.name() + " has ended: an error of the JVM "
        + "(out of memory, most likely) ended its thread; a-chat cannot go on", where);
    }
    Fatal.exit(Fatal.BLOCKED, "the event loop of " + stall.name() + " has not answered for " + stall.millis()
      + " ms (maxBlockedMillis " + maxBlockedMillis + "); a-chat cannot go on", where);
  }
}
