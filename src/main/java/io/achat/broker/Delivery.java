package io.achat.broker;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * What the broker tells one accept loop at the end of a turn: the bytes for each of its
 * connections and the answers to their events, in the order the broker produced them.
 */
public record Delivery(List<Part> parts) {

  /** One item for one connection of the loop. */
  public sealed interface Part permits Lines, Joined, Routed, Released, Displaced, Watching {
    long connection();
  }

  /** Lines to write to the connection's socket, whole ({@code from ...} and {@code error: ...}). */
  public record Lines(long connection, Buffer bytes) implements Part {
  }

  /**
   * The answer to {@link Event.NewPeer}: the login is now the connection's, unless
   * {@code refusal} says why not (empty when accepted).
   */
  public record Joined(long connection, String refusal) implements Part {

    public static Joined accepted(long connection) {
      return new Joined(connection, "");
    }

    public static Joined refused(long connection, String reason) {
      return new Joined(connection, reason);
    }

    public boolean accepted() {
      return refusal.isEmpty();
    }
  }

  /** {@code bytes} of the connection's messages and replies have been routed (sender flow control). */
  public record Routed(long connection, int bytes) implements Part {
  }

  /** The broker holds about {@code bytes} for the connection's watch list now (maxClientMemory counts them). */
  public record Watching(long connection, int bytes) implements Part {
  }

  /** The answer to {@link Event.Disconnect}: everything for the connection is in the parts before. */
  public record Released(long connection) implements Part {
  }

  /**
   * Another node holds the connection's login since the cluster healed: the lines before said
   * why, and the connection leaves.
   */
  public record Displaced(long connection) implements Part {
  }

  static void write(Buffer out, Delivery delivery) {
    out.appendInt(delivery.parts().size());
    for (Part part : delivery.parts()) {
      if (part instanceof Lines p) {
        out.appendByte((byte) 1).appendLong(p.connection());
        Wire.bytes(out, p.bytes());
      } else if (part instanceof Joined p) {
        out.appendByte((byte) 2).appendLong(p.connection());
        Wire.string(out, p.refusal());
      } else if (part instanceof Routed p) {
        out.appendByte((byte) 3).appendLong(p.connection()).appendInt(p.bytes());
      } else if (part instanceof Released p) {
        out.appendByte((byte) 4).appendLong(p.connection());
      } else if (part instanceof Displaced p) {
        out.appendByte((byte) 5).appendLong(p.connection());
      } else if (part instanceof Watching p) {
        out.appendByte((byte) 6).appendLong(p.connection()).appendInt(p.bytes());
      }
    }
  }

  static Delivery read(Wire in) {
    int n = in.i32();
    Part[] parts = new Part[n];
    for (int i = 0; i < n; i++) {
      byte tag = in.tag();
      long connection = in.i64();
      parts[i] = switch (tag) {
        case 1 -> new Lines(connection, in.bytes());
        case 2 -> new Joined(connection, in.string());
        case 3 -> new Routed(connection, in.i32());
        case 4 -> new Released(connection);
        case 5 -> new Displaced(connection);
        case 6 -> new Watching(connection, in.i32());
        default -> throw new IllegalArgumentException("not an a-chat delivery part: tag " + tag);
      };
    }
    return new Delivery(List.of(parts));
  }
}
