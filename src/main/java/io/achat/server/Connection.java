package io.achat.server;

import io.achat.broker.Backlog;
import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.protocol.ChatLine;
import io.achat.protocol.Logins;
import io.achat.protocol.Replies;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.CharacterCodingException;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The book's {@code connection_loop} for one socket: the first line is the login, every later
 * line a message, turned into events for the broker. Runs on its accept loop's event loop.
 */
final class Connection {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private enum State {
    /** Waiting for the login line. */
    LOGIN,
    /** The broker is deciding on the login; reading is paused and later lines are held. */
    JOINING,
    CHATTING,
    /** Refused or disconnected: nothing more is read or sent to the broker. */
    CLOSING
  }

  private final ServerVerticle server;
  private final NetSocket socket;
  private final RecordParser lines;
  private State state = State.LOGIN;
  private String login;
  private final Backlog backlog;
  private ArrayDeque<String> held;
  private long loginTimer;
  private boolean stopped;
  private boolean paused;
  private boolean inputEnded;

  Connection(ServerVerticle server, NetSocket socket) {
    this.server = server;
    this.socket = socket;
    // The parser is fed by hand rather than wrapping the socket so that only this class
    // pauses and resumes it. Its bound is on the unfinished line (plus the '\r' of CRLF).
    this.lines = RecordParser.newDelimited("\n")
      .maxRecordSize(server.chatConfig().maxLineLength() + 1)
      .handler(this::line)
      .exceptionHandler(e -> tooLong());
    this.backlog = new Backlog(server.chatConfig().maxInFlightBytes(), server.vertx().getOrCreateContext(),
      this::updateReading);
    this.loginTimer = server.vertx().setTimer(server.chatConfig().loginTimeoutMillis(), id -> loginTimedOut());
    socket.handler(this::chunk);
    socket.endHandler(v -> ended());
    socket.exceptionHandler(e -> log.debug("{} ({}): {}", socket.remoteAddress(), login, e.toString()));
    socket.closeHandler(v -> closed());
  }

  private void chunk(Buffer chunk) {
    if (state != State.CLOSING) {
      lines.handle(chunk);
      updateReading();
    }
  }

  private void line(Buffer record) {
    if (state == State.CLOSING) {
      return;
    }
    int length = record.length();
    if (length > 0 && record.getByte(length - 1) == '\r') {
      length--;
    }
    if (length > server.chatConfig().maxLineLength()) {
      tooLong();
      return;
    }
    String text;
    try {
      text = server.utf8().decode(record.getBytes(), 0, length);
    } catch (CharacterCodingException e) {
      invalidUtf8();
      return;
    }
    switch (state) {
      case LOGIN -> login(text);
      case JOINING -> held().add(text);
      case CHATTING -> chat(text);
      default -> { }
    }
  }

  private void login(String line) {
    String name = line.strip();
    Optional<String> refusal = Logins.check(name, server.chatConfig().maxLoginLength());
    if (refusal.isPresent()) {
      log.info("{} refused: {}", socket.remoteAddress(), refusal.get());
      fail(Replies.error(refusal.get()));
      return;
    }
    login = name;
    state = State.JOINING;
    server.vertx().cancelTimer(loginTimer);
    server.eventBus()
      .<Boolean>request(BrokerVerticle.ADDRESS, new Event.NewPeer(name, socket), LocalCodec.LOCAL)
      .onComplete(this::joined);
  }

  private void joined(AsyncResult<Message<Boolean>> answer) {
    if (state != State.JOINING) {
      return;
    }
    if (answer.failed()) {
      log.warn("{} could not log in as {}: {}", socket.remoteAddress(), login, answer.cause().getMessage());
      fail(Replies.error("login failed, try again"));
    } else if (!answer.result().body()) {
      log.info("{} refused: login '{}' is taken", socket.remoteAddress(), login);
      state = State.CLOSING;
      socket.write(Buffer.buffer(Replies.loginTaken(login)));
      socket.close();
    } else {
      log.info("{} logged in as {}", socket.remoteAddress(), login);
      state = State.CHATTING;
      if (held != null) {
        held.forEach(this::chat);
        held = null;
      }
      if (inputEnded) {
        left();
      } else {
        // Also lets through what a client that already hung up sent last, then its end.
        updateReading();
      }
    }
  }

  private void chat(String line) {
    ChatLine parsed = ChatLine.parse(line);
    if (parsed instanceof ChatLine.Message message) {
      Buffer encoded = Buffer.buffer(Replies.from(login, message.text()));
      backlog.add(encoded.length());
      server.eventBus().send(BrokerVerticle.ADDRESS,
        new Event.Message(login, message.recipients(), encoded, backlog), LocalCodec.LOCAL);
    } else if (parsed instanceof ChatLine.Invalid invalid) {
      socket.write(Buffer.buffer(Replies.error(invalid.reason())));
    }
  }

  private void loginTimedOut() {
    if (state == State.LOGIN) {
      long millis = server.chatConfig().loginTimeoutMillis();
      String limit = millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
      log.info("{} refused: no login within {}", socket.remoteAddress(), limit);
      fail(Replies.error("no login within " + limit));
    }
  }

  private void invalidUtf8() {
    if (state == State.LOGIN) {
      log.info("{} refused: login is not valid UTF-8", socket.remoteAddress());
      fail(Replies.error("login is not valid UTF-8"));
    } else {
      socket.write(Buffer.buffer(Replies.error("line is not valid UTF-8; it was dropped")));
    }
  }

  private void tooLong() {
    if (state == State.CLOSING) {
      return;
    }
    int max = server.chatConfig().maxLineLength();
    log.info("{} ({}) sent a line longer than {} bytes; disconnecting", socket.remoteAddress(), login, max);
    fail(Replies.lineTooLong(max));
  }

  /** Tells the client why and closes; a login it held is released by {@link #closed()}. */
  private void fail(byte[] reason) {
    if (state == State.JOINING || state == State.CHATTING) {
      release();
    }
    state = State.CLOSING;
    socket.write(Buffer.buffer(reason));
    socket.close();
  }

  private void release() {
    server.eventBus().send(BrokerVerticle.ADDRESS, new Event.Disconnect(login, socket), LocalCodec.LOCAL);
  }

  private ArrayDeque<String> held() {
    if (held == null) {
      held = new ArrayDeque<>();
    }
    return held;
  }

  /**
   * Reads only while the login is settled and the broker keeps up with this sender; otherwise
   * the socket is paused and TCP slows the client down.
   */
  private void updateReading() {
    boolean read = !stopped && state != State.JOINING && !backlog.full();
    if (read && paused) {
      paused = false;
      socket.resume();
    } else if (!read && !paused) {
      paused = true;
      socket.pause();
    }
  }

  /** Shutdown: read nothing more; what was read is already on its way to the broker. */
  void stopReading() {
    stopped = true;
    updateReading();
  }

  /** Shutdown: close once everything queued for this socket has been written. */
  void close() {
    socket.close();
  }

  /** Shutdown, after the drain timeout: close now, dropping what the client did not take. */
  void abort() {
    log.info("{} ({}) did not take its last messages in time; closing", socket.remoteAddress(), login);
    Sockets.abort(socket);
  }

  /** The client sent its last line: every line before it has been handled. */
  private void ended() {
    inputEnded = true;
    if (state == State.CHATTING) {
      left();
    }
    socket.close();
  }

  private void closed() {
    server.closed(this);
    server.vertx().cancelTimer(loginTimer);
    if (state == State.LOGIN) {
      log.info("{} disconnected", socket.remoteAddress());
      state = State.CLOSING;
    } else if (state == State.CHATTING && stopped) {
      // Shutting down: the broker is drained and stops right after the accept loops.
      log.info("{} ({}) closed at shutdown", socket.remoteAddress(), login);
      state = State.CLOSING;
    }
    // Otherwise reading is paused or the end already came: ended() or joined() finishes.
  }

  private void left() {
    release();
    log.info("{} ({}) left", socket.remoteAddress(), login);
    state = State.CLOSING;
  }
}
