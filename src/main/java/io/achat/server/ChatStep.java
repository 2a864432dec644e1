package io.achat.server;

import io.achat.broker.Event;
import io.achat.broker.PeerId;
import io.achat.protocol.ChatLine;
import io.achat.protocol.Replies;
import io.vertx.core.buffer.Buffer;

import java.util.function.LongConsumer;

/**
 * The lines of one logged-in user after the login: each a message for the broker to route, a
 * command for it to answer ({@code /who}, {@code /watch}, {@code /unwatch}), or an answer for the
 * sender alone, which goes through the broker too so that it comes in line order.
 * What the broker has not routed yet counts against the user's {@link InboundCredit}; when the
 * credit is spent or given back, and when its {@link TurnShare} of the loop is, {@code creditTurned}
 * runs, and the connection reads or not.
 */
final class ChatStep {

  private final BrokerOutbox broker;
  private final PeerId peer;
  private final String login;
  private final InboundCredit credit;
  private final TurnShare share;
  /** Counts bytes against the user's memory (negative: no longer). */
  private final LongConsumer hold;
  private final Runnable creditTurned;
  /** Its messages as their recipients get them, made at its first message. */
  private FromLines from;

  ChatStep(BrokerOutbox broker, PeerId peer, String login, InboundCredit credit, TurnShare share, LongConsumer hold,
           Runnable creditTurned) {
    this.broker = broker;
    this.peer = peer;
    this.login = login;
    this.credit = credit;
    this.share = share;
    this.hold = hold;
    this.creditTurned = creditTurned;
  }

  /** {@code line} as decoded from the first {@code length} of {@code bytes}. */
  void line(String line, byte[] bytes, int length) {
    ChatLine parsed = ChatLine.parse(line);
    if (parsed instanceof ChatLine.Message message) {
      if (from == null) {
        from = new FromLines(login);
      }
      Buffer encoded = from.of(message.text(), line, bytes, length);
      send(new Event.Message(peer, login, message.recipients(), encoded), encoded.length());
    } else if (parsed instanceof ChatLine.Command command) {
      send(new Event.Ask(peer, login, command.verb(), command.names(), length), length);
    } else if (parsed instanceof ChatLine.Invalid invalid) {
      reply(Replies.error(invalid.reason()));
    }
  }

  /** An answer for this user alone. */
  void reply(byte[] line) {
    send(new Event.Reply(peer, login, Buffer.buffer(line)), line.length);
  }

  /** The broker has routed {@code bytes} of this user's lines. */
  void routed(int bytes) {
    hold.accept(-bytes);
    if (credit.routed(bytes)) {
      creditTurned.run();
    }
  }

  /** The user is leaving: the broker gives its login back once it has routed everything before. */
  void leave() {
    broker.send(new Event.Disconnect(peer, login));
  }

  private void send(Event event, int bytes) {
    hold.accept(bytes);
    broker.send(event);
    if (credit.sent(bytes) | share.sent(bytes)) {
      creditTurned.run();
    }
  }
}
