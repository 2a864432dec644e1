package io.achat.broker;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;

/** Passes {@link Event}s by reference inside one node; they never go on a wire. */
public final class LocalCodec implements MessageCodec<Event, Event> {

  public static final String NAME = "a-chat.local";

  /** Delivery options for every event sent to a broker on this node. */
  public static final DeliveryOptions LOCAL = new DeliveryOptions().setCodecName(NAME).setLocalOnly(true);

  @Override
  public void encodeToWire(Buffer buffer, Event event) {
    throw new UnsupportedOperationException("a-chat events are local to one node");
  }

  @Override
  public Event decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("a-chat events are local to one node");
  }

  @Override
  public Event transform(Event event) {
    return event;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
