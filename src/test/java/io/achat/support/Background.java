package io.achat.support;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Blocking test work (a client reading or writing) on a thread of its own. The common
 * fork-join pool would run such tasks one after another on a machine with few cores.
 */
public final class Background {

  private static final Executor THREAD_PER_TASK = task -> {
    Thread thread = new Thread(task, "test-client");
    thread.setDaemon(true);
    thread.start();
  };

  private Background() {
  }

  public static <T> CompletableFuture<T> supply(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, THREAD_PER_TASK);
  }

  public static CompletableFuture<Void> run(Runnable work) {
    return CompletableFuture.runAsync(work, THREAD_PER_TASK);
  }

  /** The result of {@code work}, waited for at most {@code seconds}; its failure as an assertion's. */
  public static <T> T await(CompletableFuture<T> work, long seconds) {
    try {
      return work.get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("not done within " + seconds + " s", e);
    }
  }
}
