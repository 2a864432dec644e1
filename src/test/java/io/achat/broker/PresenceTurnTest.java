package io.achat.broker;

import io.achat.ops.ChatMetrics;
import io.achat.protocol.ChatLine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several changes of one name within one turn of the broker: its watchers are told the first at
 * once and the last state at the turn's end, never a state it no longer has, never the same twice.
 */
@ExtendWith(VertxExtension.class)
class PresenceTurnTest {

  private static final String INBOX = "a-chat.test.presence";

  private final Set<String> online = new HashSet<>();
  private final List<String> told = new CopyOnWriteArrayList<>();
  private Presence presence;
  private TurnOutbox outbox;
  private Recipient alice;
  private OnContext broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    EventCodec.registerAll(vertx);
    vertx.eventBus().<Delivery>localConsumer(INBOX, envelope -> {
      for (Delivery.Part part : envelope.body().parts()) {
        if (part instanceof Delivery.Lines lines) {
          told.addAll(Arrays.asList(lines.bytes().toString(StandardCharsets.UTF_8).split("\n")));
        }
      }
    }).completion().await(30, TimeUnit.SECONDS);
    Context context = vertx.getOrCreateContext();
    broker = new OnContext(context);
    broker.run(() -> {
      outbox = new TurnOutbox(vertx, ChatMetrics.of(vertx), new EndOfTurn(context, () -> {
        presence.endTurn();
        outbox.flush(0);
      }));
      presence = new Presence(online::contains, outbox, ChatMetrics.of(vertx), 100, 32);
      alice = new Recipient(new PeerId(INBOX, 1), outbox.loop(INBOX));
      presence.ask(alice, new Event.Ask(alice.id, "alice", ChatLine.Verb.WATCH, List.of("bob"), 10));
      return Future.succeededFuture();
    });
  }

  @Test
  void theFirstChangeGoesAtOnceAndTheLastStateAtTheEndOfTheTurn() {
    afterATurn(() -> {
      flip("bob", true);
      flip("bob", false);
      flip("bob", true);
      flip("bob", false);
    });
    assertThat(told).containsExactly("offline: bob", "online: bob", "offline: bob");
  }

  @Test
  void aTurnThatEndsInTheStateLastToldTellsNothingMore() {
    afterATurn(() -> {
      flip("bob", true);
      flip("bob", false);
      flip("bob", true);
    });
    assertThat(told).containsExactly("offline: bob", "online: bob");
  }

  @Test
  void aChangeWaitingForTheEndOfTheTurnIsToldBeforeALineOfTheNameThatChanged() {
    afterATurn(() -> flip("bob", true));
    afterATurn(() -> {
      flip("bob", false); // told at once
      flip("bob", true); // waits for the end of the turn, or for bob's next line
      presence.sending("bob"); // bob's line is routed to alice next
      outbox.deliver(alice, Buffer.buffer("from bob: back again\n"));
    });
    assertThat(told).containsExactly("offline: bob", "online: bob", "offline: bob", "online: bob", "from bob: back again");
  }

  private void flip(String login, boolean in) {
    if (in) {
      online.add(login);
    } else {
      online.remove(login);
    }
    presence.changed(login);
  }

  /** Runs {@code changes} in one turn of the broker's context, then waits for the deliveries of that turn and the one before. */
  private void afterATurn(Runnable changes) {
    broker.run(() -> {
      changes.run();
      return Future.succeededFuture();
    });
    // Anything delivered reaches the consumer before a marker sent after the turn's flush.
    broker.run(() -> {
      outbox.answer(alice, Buffer.buffer("marker\n"));
      return Future.succeededFuture();
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!told.contains("marker") && System.nanoTime() < deadline) {
      broker.run(() -> Future.succeededFuture()); // a round trip on the context, which also runs the consumer
    }
    assertThat(told).as("the turn's lines arrived").contains("marker");
    told.remove("marker");
  }
}
