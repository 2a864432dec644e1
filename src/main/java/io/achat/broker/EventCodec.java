package io.achat.broker;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The event-bus codec of one a-chat event type: on one node the event itself is passed (it is
 * immutable), across nodes it travels in the {@link Wire} layout. Every node that runs a broker
 * or an accept loop registers all of them, as default codecs, so senders name no codec.
 */
public final class EventCodec<T> implements MessageCodec<T, T> {

  private final String name;
  private final BiConsumer<Buffer, T> writer;
  private final Function<Wire, T> reader;

  private EventCodec(Class<T> type, BiConsumer<Buffer, T> writer, Function<Wire, T> reader) {
    this.name = "a-chat." + type.getSimpleName();
    this.writer = writer;
    this.reader = reader;
  }

  /** Registers the codecs of every event type, unless this Vert.x instance already has them. */
  public static void registerAll(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    event(bus, Event.NewPeer.class);
    event(bus, Event.Message.class);
    event(bus, Event.Reply.class);
    event(bus, Event.Disconnect.class);
    event(bus, Event.Events.class);
    event(bus, Event.LoopStarted.class);
    event(bus, Event.Drain.class);
    register(bus, Delivery.class, new EventCodec<>(Delivery.class, Delivery::write, Delivery::read));
  }

  private static <E extends Event> void event(EventBus bus, Class<E> type) {
    register(bus, type, new EventCodec<>(type, Event::write, in -> type.cast(Event.read(in))));
  }

  private static <T> void register(EventBus bus, Class<T> type, EventCodec<T> codec) {
    try {
      bus.registerDefaultCodec(type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // Another a-chat verticle of this node registered it first: the same codec.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T event) {
    writer.accept(buffer, event);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    return reader.apply(new Wire(buffer, pos));
  }

  @Override
  public T transform(T event) {
    return event;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
