package io.achat.broker;

import io.netty.channel.Channel;

import java.util.List;

/**
 * What connections tell the broker (the book's {@code Event} enum plus its disconnect channel).
 * Immutable, sent over the event bus with {@link LocalCodec}, so never copied.
 */
public sealed interface Event permits Event.NewPeer, Event.Message, Event.Messages, Event.Disconnect, Event.Drain {

  /** A client asks for {@code login}; the broker replies {@code true} if it is now theirs. */
  record NewPeer(String login, Channel socket) implements Event {
  }

  /**
   * {@code line} is the encoded {@code from <from>: <text>\n}, written as is to each recipient;
   * its length is charged to the sender's {@code backlog} until the broker has routed it.
   */
  record Message(String from, List<String> recipients, byte[] line, Backlog backlog) implements Event {
  }

  /** Several messages from one connection, read together; routed in order. */
  record Messages(List<Message> messages) implements Event {
  }

  /**
   * The connection that held {@code login} is gone; only that very socket releases it. Sent as
   * a request, it is answered once the lines routed to that user so far are written.
   */
  record Disconnect(String login, Channel socket) implements Event {
  }

  /**
   * An accept loop that is shutting down has stopped reading; the broker replies once every
   * accept loop has asked, so every line read before then has been written to its recipients.
   */
  record Drain() implements Event {
  }
}
