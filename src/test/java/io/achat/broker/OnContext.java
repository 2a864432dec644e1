package io.achat.broker;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs a test's operations on one Vert.x context, as the broker's run on its own, and waits for each. */
final class OnContext {

  private final Context context;

  OnContext(Context context) {
    this.context = context;
  }

  /** Runs {@code operation} on the context and waits at most 30 s for its outcome. */
  <T> T run(Supplier<Future<T>> operation) {
    Promise<T> outcome = Promise.promise();
    context.runOnContext(v -> operation.get().onComplete(outcome));
    try {
      return outcome.future().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
