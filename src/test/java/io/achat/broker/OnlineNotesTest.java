package io.achat.broker;

import io.achat.config.BusAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new user's note waits for every other broker to answer, but not for one that is gone: a
 * node that leaves while the note waits (its broker no longer answers) would otherwise hold the
 * login back for the note's whole 2 s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OnlineNotesTest {

  private Vertx vertx;
  private Context context;
  private OnContext onContext;
  private OnlineNotes notes;

  @BeforeEach
  void brokers(Vertx vertx) {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    onContext = new OnContext(context);
    EventCodec.registerAll(vertx);
    notes = onContext.run(() -> Future.succeededFuture(new OnlineNotes(new ClusterBus(vertx))));
    // "answers" notes at once; "leaving" takes them and never answers, as a node on its way out.
    onContext.run(() -> vertx.eventBus().<Event>consumer(BusAddresses.node("answers"), envelope -> envelope.reply(null))
      .completion());
    onContext.run(() -> vertx.eventBus().<Event>consumer(BusAddresses.node("leaving"), envelope -> { }).completion());
  }

  @Test
  void aNoteWaitsForEveryBrokerButNotForOneThatIsGone() {
    Promise<Void> noted = Promise.promise();
    context.runOnContext(v -> notes.send(new Event.Online("here", "alice"), List.of("answers", "leaving"))
      .onComplete(noted));
    onContext.run(() -> vertx.timer(300, TimeUnit.MILLISECONDS));
    assertThat(noted.future().isComplete()).as("noted while 'leaving' has not answered").isFalse();
    long gone = System.nanoTime();
    context.runOnContext(v -> notes.gone("leaving"));
    onContext.run(noted::future);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gone)).as("ms from gone until noted")
      .isLessThan(1000);
  }

  @Test
  void aBrokerThatNeverAnswersHoldsTheNoteForTwoSecondsAtMost() {
    long start = System.nanoTime();
    onContext.run(() -> notes.send(new Event.Online("here", "bob"), List.of("leaving")));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms until noted")
      .isBetween(1500L, 5000L);
  }

}
