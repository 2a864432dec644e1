package io.achat.broker;

import io.vertx.core.Context;

/**
 * Runs an action once at the end of the current turn of a context's event loop, however often
 * it is asked for during the turn: it runs after the tasks already waiting, so what a burst of
 * reads or events produced goes out together. Touched on that context only.
 */
public final class EndOfTurn {

  private final Context context;
  private final Runnable action;
  private boolean scheduled;

  public EndOfTurn(Context context, Runnable action) {
    this.context = context;
    this.action = action;
  }

  public void request() {
    if (!scheduled) {
      scheduled = true;
      context.runOnContext(v -> {
        scheduled = false;
        action.run();
      });
    }
  }
}
