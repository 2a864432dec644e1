package io.achat.support;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
}
