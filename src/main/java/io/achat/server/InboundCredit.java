package io.achat.server;

/**
 * How far one client's lines may run ahead of the broker: past {@code maxInFlightBytes} not yet
 * routed the connection stops reading, and reads again once the broker has brought them under
 * half of it, so that TCP slows down a client the broker does not keep up with.
 */
final class InboundCredit {

  private final long max;
  /** Bytes of this client's messages and replies the broker has not routed yet. */
  private long inFlight;
  private boolean spent;

  InboundCredit(long max) {
    this.max = max;
  }

  long inFlight() {
    return inFlight;
  }

  /** Whether the client must wait for the broker before more of what it sends is read. */
  boolean spent() {
    return spent;
  }

  /** {@code bytes} more went to the broker; true when that spent the credit. */
  boolean sent(int bytes) {
    inFlight += bytes;
    if (inFlight > max && !spent) {
      spent = true;
      return true;
    }
    return false;
  }

  /** The broker has routed {@code bytes}; true when that gave the credit back. */
  boolean routed(int bytes) {
    inFlight -= bytes;
    if (spent && inFlight <= max / 2) {
      spent = false;
      return true;
    }
    return false;
  }
}
