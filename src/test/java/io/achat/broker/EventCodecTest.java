package io.achat.broker;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.achat.protocol.ChatLine;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every event type survives its wire encoding, and is passed as itself on one node. */
@ExtendWith(VertxExtension.class)
class EventCodecTest {

  private static final PeerId ZOE = new PeerId("a-chat.loop.8f2c", 1L << 40);
  private static final Buffer LINE = Buffer.buffer("from zoë: żółw 🐢\n".getBytes(StandardCharsets.UTF_8));

  static Stream<Object> bodies() {
    Event.Message message = new Event.Message(ZOE, "zoë", List.of("bob", "çarol", "zoë"), LINE);
    return Stream.of(
      new Event.NewPeer(ZOE, "zoë"),
      message,
      new Event.Message(ZOE, "zoë", List.of(), Buffer.buffer()),
      new Event.Reply(ZOE, "zoë", Buffer.buffer("error: no recipient before ':'\n")),
      new Event.Disconnect(ZOE, "zoë"),
      new Event.Events(List.of(new Event.NewPeer(ZOE, "zoë"), message, new Event.Disconnect(ZOE, "zoë"))),
      new Event.Events(List.of()),
      new Event.LoopStarted("a-chat.loop.8f2c"),
      new Event.Drain("a-chat.loop.8f2c"),
      new Event.Forward("node-1", 42, List.of(new Event.Forwarded(List.of("bob", "çarol"), LINE),
        new Event.Forwarded(List.of("dave"), LINE))),
      new Event.Forward("node-1", 1L << 40, List.of()),
      new Event.Ack("node-2", 42, 39, 41),
      new Event.Online("node-1", "zoë"),
      new Event.Offline("node-1", "zoë"),
      new Event.Hello("node-1"),
      new Event.Back("node-1"),
      new Event.Take("alice", "node-3", "node-1"),
      new Event.Settled("alice", "node-1"),
      new Event.Ask(ZOE, "zoë", ChatLine.Verb.WATCH, List.of("bob", "çarol"), 21),
      new Event.Ask(ZOE, "zoë", ChatLine.Verb.WHO, List.of(), 4),
      new Delivery(List.of(Delivery.Joined.accepted(7), new Delivery.Lines(7, LINE), new Delivery.Routed(7, 65_536),
        Delivery.Joined.refused(8, "login 'alice' is taken"), new Delivery.Released(7), new Delivery.Displaced(9),
        new Delivery.Watching(7, 1_600))),
      new Delivery(List.of()));
  }

  @ParameterizedTest
  @MethodSource("bodies")
  void roundTripsThroughTheWireEncoding(Object body) {
    MessageCodec<Object, Object> codec = codecOf(body);
    Buffer wire = Buffer.buffer("header").appendByte((byte) 0);
    int start = wire.length();
    codec.encodeToWire(wire, body);
    assertThat(wire.length()).isGreaterThan(start);
    assertThat(codec.decodeFromWire(start, wire)).isEqualTo(body).isNotSameAs(body);
  }

  @ParameterizedTest
  @MethodSource("bodies")
  void passesTheEventItselfOnOneNode(Object body) {
    assertThat(codecOf(body).transform(body)).isSameAs(body);
  }

  @Test
  void aSendOnOneNodeDeliversTheVeryEventWithoutNamingACodec(Vertx vertx) throws Exception {
    EventCodec.registerAll(vertx);
    EventCodec.registerAll(vertx); // a second a-chat verticle on the node registers them again
    Event.Message sent = new Event.Message(ZOE, "zoë", List.of("bob"), LINE);
    Promise<Event> received = Promise.promise();
    vertx.eventBus().<Event>localConsumer("a-chat.test", m -> received.tryComplete(m.body()))
      .completion().await(10, TimeUnit.SECONDS);
    vertx.eventBus().send("a-chat.test", sent);
    assertThat(received.future().await(10, TimeUnit.SECONDS)).isSameAs(sent);
  }

  @Test
  void everyEventTypeHasACodecWithAName() {
    assertThat(EventCodec.all().keySet()).containsAll(
      Stream.of(Event.class.getPermittedSubclasses()).toList()).contains(Delivery.class);
    assertThat(EventCodec.all().values()).extracting(MessageCodec::name).doesNotHaveDuplicates()
      .allMatch(name -> name.startsWith("a-chat."));
  }

  /**
   * A forwarded message crosses with its line and its recipients there, and nothing else: not
   * its sender's address nor login (the line names the sender), 4 + 4 + 3 + 4 + len bytes for one
   * recipient.
   */
  @Test
  void aForwardedMessageCarriesOnlyItsRecipientsAndItsLine() {
    Event.Forward forward = new Event.Forward("n", 1, List.of(new Event.Forwarded(List.of("bob"), LINE)));
    Buffer wire = Buffer.buffer();
    codecOf(forward).encodeToWire(wire, forward);
    int head = 1 + 4 + 1 + 8 + 4; // tag, node, batch, count
    assertThat(wire.length()).isEqualTo(head + 4 + 4 + 3 + 4 + LINE.length());
    assertThat(wire.toString(StandardCharsets.ISO_8859_1)).doesNotContain(ZOE.loop());
  }

  @Test
  void anUnknownTagIsRefused() {
    MessageCodec<Object, Object> codec = codecOf(new Event.Drain("x"));
    assertThatThrownBy(() -> codec.decodeFromWire(0, Buffer.buffer().appendByte((byte) 99)))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag 99");
  }

  @SuppressWarnings("unchecked")
  private static MessageCodec<Object, Object> codecOf(Object body) {
    MessageCodec<?, ?> codec = EventCodec.all().get(body.getClass());
    assertThat(codec).as("codec for %s", body.getClass()).isNotNull();
    return (MessageCodec<Object, Object>) codec;
  }
}
