package io.achat.broker;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batches of lines for another node that a broken link lost: the receiving node names the gap
 * in its acknowledgement ({@link Received}), and the sending node tells those senders, and only
 * those, that their lines did not reach ({@link NodeOutbox}).
 */
class LostBatchesTest {

  private static final PeerId ANN = new PeerId("a-chat.loop.1", 1);
  private static final PeerId BEN = new PeerId("a-chat.loop.1", 2);
  private static final PeerId CAT = new PeerId("a-chat.loop.1", 3);

  @Test
  void batchesThatComeInOrderMissNone() {
    Received received = new Received("node-2");
    for (long batch = 1; batch <= 3; batch++) {
      received.arrived(batch);
    }
    assertThat(received.missedFrom()).isZero();
    assertThat(received.missedTo()).isZero();
  }

  @Test
  void aBatchAfterAGapNamesTheGap() {
    Received received = new Received("node-2");
    received.arrived(1);
    received.arrived(2);
    received.arrived(5);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(3L, 4L);
    received.arrived(6);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(3L, 4L);
    received.acknowledged();
    received.arrived(7);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(0L, 0L);
  }

  @Test
  void twoGapsBeforeOneAcknowledgementAreNamedAsOne() {
    Received received = new Received("node-2");
    received.arrived(2); // batch 1 lost too
    received.arrived(4);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(1L, 3L);
  }

  @Test
  void aLateBatchAndANewOutboxAreNoGap() {
    Received received = new Received("node-2");
    received.arrived(1);
    received.arrived(3);
    received.acknowledged();
    received.arrived(2); // late, from a link that closed: already named as missed
    received.arrived(4);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(0L, 0L);
    received.arrived(1); // the sender's outbox for this node is new
    received.arrived(2);
    assertThat(List.of(received.missedFrom(), received.missedTo())).containsExactly(0L, 0L);
  }

  @Test
  void anAcknowledgementWithAGapSettlesTheMissedBatchesAsLost() {
    NodeOutbox to = new NodeOutbox("node-2");
    NodeOutbox.Credit ann = send(to, ANN, "ann");
    to.take("node-1"); // batch 1
    NodeOutbox.Credit ben = send(to, BEN, "ben");
    to.take("node-1"); // batch 2, lost
    NodeOutbox.Credit cat = send(to, CAT, "cat");
    to.take("node-1"); // batch 3

    NodeOutbox.Acked acked = to.acked(3, 2, 2);
    assertThat(acked.missed()).extracting(Event.Message::login).containsExactly("ben");
    assertThat(acked.credits()).containsExactly(ann, ben, cat);
    assertThat(to.waiting()).isFalse();
  }

  @Test
  void anAcknowledgementSettlesNothingAfterItsBatch() {
    NodeOutbox to = new NodeOutbox("node-2");
    send(to, ANN, "ann");
    to.take("node-1");
    NodeOutbox.Credit ben = send(to, BEN, "ben");
    to.take("node-1");

    NodeOutbox.Acked acked = to.acked(1, 0, 0);
    assertThat(acked.missed()).isEmpty();
    assertThat(acked.credits()).hasSize(1).doesNotContain(ben);
    assertThat(to.waiting()).isTrue();
  }

  @Test
  void aBatchThatCouldNotBeWrittenIsLostAloneAndNotTwice() {
    NodeOutbox to = new NodeOutbox("node-2");
    send(to, ANN, "ann");
    to.take("node-1"); // batch 1, written, not acknowledged yet
    NodeOutbox.Credit ben = send(to, BEN, "ben");
    to.take("node-1"); // batch 2, whose write failed at once

    NodeOutbox.Acked failed = to.failedLast();
    assertThat(failed.missed()).extracting(Event.Message::login).containsExactly("ben");
    assertThat(failed.credits()).containsExactly(ben);
    assertThat(to.waiting()).as("batch 1 still waits").isTrue();
    // The node then names batch 2 as missed: it was settled already.
    NodeOutbox.Acked acked = to.acked(3, 2, 2);
    assertThat(acked.missed()).isEmpty();
    assertThat(acked.credits()).hasSize(1).doesNotContain(ben);
  }

  private static NodeOutbox.Credit send(NodeOutbox to, PeerId from, String login) {
    Buffer line = Buffer.buffer("from " + login + ": hi\n");
    NodeOutbox.Credit credit = new NodeOutbox.Credit(from, line.length(), 1);
    to.add(new Event.Message(from, login, List.of("zed"), line), credit);
    return credit;
  }
}
