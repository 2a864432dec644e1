package io.achat.broker;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The broker's side of a stop: each accept loop stops reading, routes what it read and sends
 * {@link Event.Drain}; once every loop the broker knows has, the broker's users leave (on a
 * cluster, their logins are freed) and every loop is answered. The broker stops after that, and
 * on a cluster once the other nodes have acknowledged what it forwarded, so the order in which
 * Vert.x undeploys the verticles does not matter. All bounded by the drain timeout.
 */
final class Drain {

  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  private final TurnOutbox outbox;
  private final Runnable onDrained;
  private final Set<String> draining = new HashSet<>();
  private final List<Message<Event>> requests = new ArrayList<>();
  private final Promise<Void> drained = Promise.promise();
  private boolean stopping;

  /** {@code onDrained} runs once, when every accept loop has drained or the drain timed out. */
  Drain(TurnOutbox outbox, Runnable onDrained) {
    this.outbox = outbox;
    this.onDrained = onDrained;
  }

  /** Whether the broker stopped taking users: every accept loop has drained. */
  boolean stopping() {
    return stopping;
  }

  /** The accept loop of {@code request} has drained; it is answered once every loop has. */
  void request(Event.Drain drain, Message<Event> request) {
    outbox.loop(drain.loop());
    draining.add(drain.loop());
    requests.add(request);
    if (allDrained()) {
      drained();
    }
  }

  /**
   * Completes once every accept loop has drained and then {@code settled} (the cluster's
   * acknowledgements and freed logins) has completed, or after {@code timeoutMillis} + 1 s.
   */
  Future<Void> stop(Vertx vertx, long timeoutMillis, Supplier<Future<?>> settled) {
    if (allDrained()) {
      drained();
    }
    Promise<Void> stopped = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis + 1000, t -> {
      if (!drained.future().isComplete()) {
        log.warn("stopping without {} accept loop(s) that did not drain", outbox.loops().size() - draining.size());
        drained();
      } else {
        log.warn("stopping before the other nodes acknowledged every forwarded message and every login was freed");
      }
      stopped.tryComplete();
    });
    drained.future().compose(v -> settled.get()).onComplete(ar -> stopped.tryComplete());
    return stopped.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private boolean allDrained() {
    return draining.containsAll(outbox.loops());
  }

  private void drained() {
    if (stopping) {
      return;
    }
    stopping = true;
    onDrained.run();
    requests.forEach(r -> r.reply(null));
    requests.clear();
    drained.tryComplete();
  }
}
