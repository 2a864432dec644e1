package io.achat.broker;

import io.achat.protocol.ChatLine;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * What accept loops tell the broker: the book's {@code Event::{NewPeer, Message}} and its
 * disconnect channel, plus what a clean shutdown needs. Immutable values: a {@code line} is
 * encoded once by the connection that read it and never written again, so the broker may hand
 * the same buffer to every recipient. Each type has a codec with a wire encoding
 * ({@link EventCodec}); on one node they are passed by reference.
 */
public sealed interface Event permits Event.NewPeer, Event.Message, Event.Reply, Event.Disconnect, Event.Events,
  Event.LoopStarted, Event.Drain, Event.Forward, Event.Ack, Event.Online, Event.Offline,
  Event.Hello, Event.Back, Event.Take, Event.Settled, Event.Ask {

  /** The client on {@code peer} asks for {@code login}; answered with {@link Delivery.Joined}. */
  record NewPeer(PeerId peer, String login) implements Event {
  }

  /**
   * {@code line} ({@code from <login>: <text>\n}) for each of {@code recipients}; those not
   * connected are reported back to the sender, in line order.
   */
  record Message(PeerId from, String login, List<String> recipients, Buffer line) implements Event {
  }

  /**
   * An answer for the sender alone (an {@code error: } line), routed like a message so that a
   * client gets the answers to its lines in the order it sent them.
   */
  record Reply(PeerId to, String login, Buffer line) implements Event {
  }

  /**
   * A command of the user logged in as {@code login} on {@code from}: {@code /who}, {@code /watch}
   * or {@code /unwatch} with its names ({@link Presence}). Answered like a {@link Reply}, in line
   * order; {@code bytes} of the sender's credit come back once it is.
   */
  record Ask(PeerId from, String login, ChatLine.Verb verb, List<String> names, int bytes) implements Event {
  }

  /**
   * The connection that held {@code login} is leaving; only that very connection releases it.
   * Answered with {@link Delivery.Released} once the lines for it so far are on their way.
   */
  record Disconnect(PeerId peer, String login) implements Event {
  }

  /** The events one accept loop produced in one turn of its event loop, in order. */
  record Events(List<Event> events) implements Event {
  }

  /** An accept loop at {@code loop} has started; the broker waits for it before it stops. */
  record LoopStarted(String loop) implements Event {
  }

  /**
   * The accept loop at {@code loop} is shutting down and has stopped reading; the broker answers
   * once every accept loop has asked, so that every line read by any of them has been routed.
   */
  record Drain(String loop) implements Event {
  }

  /**
   * Between the brokers of a cluster: the messages of one turn of the broker of {@code node} for
   * users on the receiving node, each with only those of its recipients. Numbered per
   * destination; the receiver answers with {@link Ack}.
   */
  record Forward(String node, long batch, List<Forwarded> messages) implements Event {
  }

  /**
   * A message as it crosses to another node: its line (which names its sender) and those of its
   * recipients who are there. Who sent it stays with the sending node, which answers the sender.
   */
  record Forwarded(List<String> recipients, Buffer line) {
  }

  /**
   * The broker of {@code node} has routed every {@link Forward} up to {@code batch} it was sent,
   * except those from {@code missedFrom} to {@code missedTo} (0 and 0: none), which never came.
   */
  record Ack(String node, long batch, long missedFrom, long missedTo) implements Event {
  }

  /** Published to every broker: {@code login} is now a user of {@code node}. */
  record Online(String node, String login) implements Event {
  }

  /** Published to every broker: {@code login} is no longer a user of {@code node}. */
  record Offline(String node, String login) implements Event {
  }

  /**
   * The broker of {@code node} is up: published once when it joins, and sent back to it by every
   * broker that hears it, so that each knows every other.
   */
  record Hello(String node) implements Event {
  }

  /**
   * The broker of {@code node} saw this node come back after a split (a hang or a partition) and
   * is checking its logins against the merged map: this node, which may not have seen the other
   * gone, does the same, and tells it the users it still holds.
   */
  record Back(String node) implements Event {
  }

  /**
   * Asks the deputy of the cluster ({@link Handover}) whether {@code node} may take
   * {@code login} from {@code from}, a node just dropped, before the map of logins names a
   * holder again; answered with the node that holds it now.
   */
  record Take(String login, String from, String node) implements Event {
  }

  /** The map of logins names a holder of {@code login} again: what the deputy let {@code node} take is written. */
  record Settled(String login, String node) implements Event {
  }

  /** Appends {@code event} to {@code out}: a tag byte, then its fields. */
  static void write(Buffer out, Event event) {
    if (event instanceof NewPeer e) {
      out.appendByte((byte) 1);
      e.peer().write(out);
      Wire.string(out, e.login());
    } else if (event instanceof Message e) {
      out.appendByte((byte) 2);
      e.from().write(out);
      Wire.string(out, e.login());
      Wire.strings(out, e.recipients());
      Wire.bytes(out, e.line());
    } else if (event instanceof Reply e) {
      out.appendByte((byte) 3);
      e.to().write(out);
      Wire.string(out, e.login());
      Wire.bytes(out, e.line());
    } else if (event instanceof Disconnect e) {
      out.appendByte((byte) 4);
      e.peer().write(out);
      Wire.string(out, e.login());
    } else if (event instanceof Events e) {
      out.appendByte((byte) 5).appendInt(e.events().size());
      e.events().forEach(inner -> write(out, inner));
    } else if (event instanceof LoopStarted e) {
      out.appendByte((byte) 6);
      Wire.string(out, e.loop());
    } else if (event instanceof Drain e) {
      out.appendByte((byte) 7);
      Wire.string(out, e.loop());
    } else if (event instanceof Forward e) {
      out.appendByte((byte) 8);
      Wire.string(out, e.node());
      out.appendLong(e.batch()).appendInt(e.messages().size());
      for (Forwarded message : e.messages()) {
        Wire.strings(out, message.recipients());
        Wire.bytes(out, message.line());
      }
    } else if (event instanceof Ack e) {
      out.appendByte((byte) 9);
      Wire.string(out, e.node());
      out.appendLong(e.batch());
      out.appendLong(e.missedFrom());
      out.appendLong(e.missedTo());
    } else if (event instanceof Online e) {
      out.appendByte((byte) 10);
      Wire.string(out, e.node());
      Wire.string(out, e.login());
    } else if (event instanceof Offline e) {
      out.appendByte((byte) 11);
      Wire.string(out, e.node());
      Wire.string(out, e.login());
    } else if (event instanceof Hello e) {
      out.appendByte((byte) 12);
      Wire.string(out, e.node());
    } else if (event instanceof Back e) {
      out.appendByte((byte) 13);
      Wire.string(out, e.node());
    } else if (event instanceof Take e) {
      out.appendByte((byte) 14);
      Wire.string(out, e.login());
      Wire.string(out, e.from());
      Wire.string(out, e.node());
    } else if (event instanceof Settled e) {
      out.appendByte((byte) 15);
      Wire.string(out, e.login());
      Wire.string(out, e.node());
    } else if (event instanceof Ask e) {
      out.appendByte((byte) 16);
      e.from().write(out);
      Wire.string(out, e.login());
      out.appendByte((byte) e.verb().ordinal());
      Wire.strings(out, e.names());
      out.appendInt(e.bytes());
    }
  }

  /** Reads back what {@link #write} wrote. */
  static Event read(Wire in) {
    byte tag = in.tag();
    return switch (tag) {
      case 1 -> new NewPeer(PeerId.read(in), in.string());
      case 2 -> new Message(PeerId.read(in), in.string(), in.strings(), in.bytes());
      case 3 -> new Reply(PeerId.read(in), in.string(), in.bytes());
      case 4 -> new Disconnect(PeerId.read(in), in.string());
      case 5 -> {
        int n = in.i32();
        Event[] events = new Event[n];
        for (int i = 0; i < n; i++) {
          events[i] = read(in);
        }
        yield new Events(List.of(events));
      }
      case 6 -> new LoopStarted(in.string());
      case 7 -> new Drain(in.string());
      case 8 -> {
        String node = in.string();
        long batch = in.i64();
        int n = in.i32();
        Forwarded[] messages = new Forwarded[n];
        for (int i = 0; i < n; i++) {
          messages[i] = new Forwarded(in.strings(), in.bytes());
        }
        yield new Forward(node, batch, List.of(messages));
      }
      case 9 -> new Ack(in.string(), in.i64(), in.i64(), in.i64());
      case 10 -> new Online(in.string(), in.string());
      case 11 -> new Offline(in.string(), in.string());
      case 12 -> new Hello(in.string());
      case 13 -> new Back(in.string());
      case 14 -> new Take(in.string(), in.string(), in.string());
      case 15 -> new Settled(in.string(), in.string());
      case 16 -> new Ask(PeerId.read(in), in.string(), ChatLine.Verb.values()[in.tag()], in.strings(), in.i32());
      default -> throw new IllegalArgumentException("not an a-chat event: tag " + tag);
    };
  }
}
