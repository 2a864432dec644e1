package io.achat.server;

import io.achat.ops.ChatMetrics.Refusal;
import io.achat.protocol.Replies;
import io.achat.server.ConnectionState.Chat;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.CharacterCodingException;

/**
 * What one client sends, as its link ({@link Link#open}) hands it over: each line, without its {@code \r\n},
 * decoded as strict UTF-8 and given to the login or, once logged in, to the chat. A line that is
 * not UTF-8 or not text is answered and dropped (at the login: refused); one longer than
 * maxLineLength ends the connection, after the answers to the lines before it. Its log lines are
 * the connection's.
 */
final class Inbound {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private final ConnectionContext context;
  private final Connection connection;
  private final ConnectionState state;
  private final Link link;

  Inbound(ConnectionContext context, Connection connection, ConnectionState state, Link link) {
    this.context = context;
    this.connection = connection;
    this.state = state;
    this.link = link;
  }

  /** It holds {@code bytes} more (or fewer, when negative) of what the client sent, not yet lines. */
  void holding(long bytes) {
    connection.holding(bytes);
  }

  /** Every line the client sent before its end has been handed over. */
  void ended() {
    connection.ended();
  }

  /** The socket has closed. */
  void closed() {
    connection.closed();
  }

  /** A line from the client, without its {@code \n}. */
  void line(Buffer record) {
    if (!state.is(Chat.LOGIN) && !state.is(Chat.CHATTING)) {
      return;
    }
    int length = record.length();
    if (length > 0 && record.getByte(length - 1) == '\r') {
      length--;
    }
    if (length > context.config().maxLineLength()) {
      tooLong();
      return;
    }
    byte[] bytes = context.decoder().bytes(record, length);
    String text;
    try {
      text = context.decoder().decode(bytes, length);
    } catch (CharacterCodingException e) {
      if (state.is(Chat.LOGIN)) {
        connection.loginStep().refuse(Refusal.NOT_UTF8, "login is not valid UTF-8");
      } else {
        connection.chat().reply(Replies.error("line is not valid UTF-8; it was dropped"));
      }
      return;
    }
    if (state.is(Chat.LOGIN)) {
      connection.login(text);
    } else {
      connection.chat().line(text, bytes, length);
    }
  }

  /** From the link: what the client sent is not a line ({@code what} says why); dropped. */
  void unreadable(String what) {
    if (state.is(Chat.LOGIN)) {
      connection.loginStep().refuse(Refusal.INVALID, "login is " + what);
    } else if (state.is(Chat.CHATTING)) {
      connection.chat().reply(Replies.error("line is " + what + "; it was dropped"));
    }
  }

  /**
   * From the TCP link's parser: the socket failed, or the unfinished line passed
   * {@code maxRecordSize}. The parser also says so while it is paused holding the rest of a read;
   * whole lines in it are still to be handled then, and the bound is checked again once reading
   * resumes.
   */
  void failed(Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal; // to the context's exception handler: the server cannot go on
    } else if (!(e instanceof IllegalStateException)) {
      connection.socketFailed(e);
    } else if (link.reading()) {
      tooLong();
    }
  }

  /** The client sent a line longer than maxLineLength: it is told so, and the connection ends. */
  void tooLong() {
    if (!state.is(Chat.LOGIN) && !state.is(Chat.CHATTING)) {
      return;
    }
    int max = context.config().maxLineLength();
    context.logs().cutOffs().info(log, "{} ({}) sent a line longer than {} bytes; disconnecting", link.remoteAddress(),
      connection.name(), max);
    context.metrics().lineTooLong();
    if (state.is(Chat.LOGIN)) {
      context.metrics().refused(Refusal.TOO_LONG);
      connection.refuse(Replies.lineTooLong(max));
    } else {
      connection.leave(Replies.lineTooLong(max));
    }
  }
}
