package io.achat.broker;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** The codec of every type that travels on the event bus, by type. */
  static Map<Class<?>, EventCodec<?>> all() {
    Map<Class<?>, EventCodec<?>> codecs = new LinkedHashMap<>();
    for (Class<? extends Event> type : List.of(Event.NewPeer.class, Event.Message.class, Event.Reply.class,
      Event.Disconnect.class, Event.Events.class, Event.LoopStarted.class, Event.Drain.class, Event.Forward.class,
      Event.Ack.class, Event.Online.class, Event.Offline.class, Event.Hello.class,
      Event.Back.class, Event.Take.class, Event.Settled.class, Event.Ask.class)) {
      codecs.put(type, event(type));
    }
    codecs.put(Delivery.class, new EventCodec<>(Delivery.class, Delivery::write, Delivery::read));
    return codecs;
  }

  /** Registers the codecs of every event type, unless this Vert.x instance already has them. */
  public static void registerAll(Vertx vertx) {
    all().forEach((type, codec) -> register(vertx.eventBus(), type, codec));
  }

  private static <E extends Event> EventCodec<E> event(Class<E> type) {
    return new EventCodec<>(type, Event::write, in -> type.cast(Event.read(in)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void register(EventBus bus, Class type, EventCodec codec) {
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
